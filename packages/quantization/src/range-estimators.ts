import { InvalidArgumentError } from '@collabopt/core';
import { signedRange } from './quant-params';

/** A float range observed or chosen for an activation. */
export interface Range {
  readonly min: number;
  readonly max: number;
}

/** Streaming range estimation over calibration batches, bounded memory, NaNs skipped. */
export interface RangeEstimator {
  readonly kind: RangeEstimatorKind;
  observe(values: ArrayLike<number>): void;
  /** Values seen (NaNs excluded). */
  readonly count: number;
  /** The estimated range (contains the observed values' extremes' sign: callers widen to 0). */
  range(): Range;
}

export type RangeEstimatorKind = 'minmax' | 'percentile' | 'mse';
export const RANGE_ESTIMATORS: readonly RangeEstimatorKind[] = ['minmax', 'percentile', 'mse'];

/** The TFLite converter's calibration: running min and max over everything seen. */
export class MinMaxEstimator implements RangeEstimator {
  readonly kind = 'minmax';
  private lo = Infinity;
  private hi = -Infinity;
  private n = 0;

  observe(values: ArrayLike<number>): void {
    let lo = this.lo;
    let hi = this.hi;
    let n = 0;
    for (let i = 0; i < values.length; i++) {
      const v = values[i]!;
      if (v !== v) continue; // NaN
      if (v < lo) lo = v;
      if (v > hi) hi = v;
      n++;
    }
    this.lo = lo;
    this.hi = hi;
    this.n += n;
  }

  get count(): number {
    return this.n;
  }

  range(): Range {
    if (this.n === 0) return { min: 0, max: 0 };
    return { min: this.lo, max: this.hi };
  }
}

/**
 * Histogram over a symmetric interval [−R, R] with a fixed number of bins (bounded memory). When a
 * value falls outside, R doubles and neighbouring bins merge, so earlier counts are kept exactly
 * (at coarser resolution). Exact min/max are tracked alongside.
 */
export class StreamingHistogram {
  readonly bins: number;
  private counts: Float64Array;
  private radius = 0;
  private lo = Infinity;
  private hi = -Infinity;
  private n = 0;

  constructor(bins = 2048) {
    if (!Number.isInteger(bins) || bins < 16 || bins % 2 !== 0)
      throw new InvalidArgumentError(`histogram bins must be an even integer ≥ 16, got ${bins}`);
    this.bins = bins;
    this.counts = new Float64Array(bins);
  }

  get count(): number {
    return this.n;
  }
  get min(): number {
    return this.n === 0 ? 0 : this.lo;
  }
  get max(): number {
    return this.n === 0 ? 0 : this.hi;
  }
  /** Current half-width of the histogram interval. */
  get halfWidth(): number {
    return this.radius;
  }

  observe(values: ArrayLike<number>): void {
    let batchMax = 0;
    for (let i = 0; i < values.length; i++) {
      const a = Math.abs(values[i]!);
      if (a > batchMax) batchMax = a; // NaN compares false
    }
    if (batchMax > 0) this.growTo(batchMax);
    const half = this.bins / 2;
    const width = this.radius / half;
    for (let i = 0; i < values.length; i++) {
      const v = values[i]!;
      if (v !== v) continue;
      if (v < this.lo) this.lo = v;
      if (v > this.hi) this.hi = v;
      this.n++;
      if (width === 0) {
        this.counts[half]!++;
        continue;
      }
      let b = Math.floor(v / width) + half;
      if (b >= this.bins) b = this.bins - 1;
      if (b < 0) b = 0;
      this.counts[b]!++;
    }
  }

  private growTo(absMax: number): void {
    if (this.radius === 0) {
      // Values seen so far were all exactly 0 and sit in the bin right above 0, which stays valid.
      this.radius = absMax;
      return;
    }
    const half = this.bins / 2;
    while (absMax > this.radius) {
      const next = new Float64Array(this.bins);
      // Bin half + j covers [j·w, (j+1)·w); after doubling, new bin half + j covers old j' = 2j, 2j + 1.
      for (let j = 0; j < half; j++) {
        next[half + (j >> 1)]! += this.counts[half + j]!;
        next[half - 1 - (j >> 1)]! += this.counts[half - 1 - j]!;
      }
      this.counts = next;
      this.radius *= 2;
    }
  }

  /** Bin i covers [lower(i), lower(i) + width). */
  binWidth(): number {
    return this.radius / (this.bins / 2);
  }

  binCounts(): Float64Array {
    return this.counts;
  }

  /** Smallest value v with at least `q` (0..1) of the mass at or below it (bin resolution, clamped to the exact extremes). */
  quantile(q: number): number {
    if (this.n === 0) return 0;
    const target = q * this.n;
    const w = this.binWidth();
    const half = this.bins / 2;
    let acc = 0;
    for (let b = 0; b < this.bins; b++) {
      const c = this.counts[b]!;
      if (c > 0 && acc + c >= target) {
        const within = (target - acc) / c;
        const v = (b - half + within) * w;
        return Math.min(this.hi, Math.max(this.lo, v));
      }
      acc += c;
    }
    return this.hi;
  }
}

/** Clip the range at the given percentile of the observed distribution (each tail separately). */
export class PercentileEstimator implements RangeEstimator {
  readonly kind = 'percentile';
  private readonly hist: StreamingHistogram;

  constructor(
    readonly percentile = 99.99,
    bins = 2048,
  ) {
    if (!(percentile > 50 && percentile <= 100))
      throw new InvalidArgumentError(`percentile must be in (50, 100], got ${percentile}`);
    this.hist = new StreamingHistogram(bins);
  }

  observe(values: ArrayLike<number>): void {
    this.hist.observe(values);
  }

  get count(): number {
    return this.hist.count;
  }

  range(): Range {
    if (this.hist.count === 0) return { min: 0, max: 0 };
    const p = this.percentile / 100;
    const min = this.hist.min >= 0 ? this.hist.min : this.hist.quantile(1 - p);
    const max = this.hist.max <= 0 ? this.hist.max : this.hist.quantile(p);
    return { min: Math.min(min, max), max: Math.max(min, max) };
  }
}

/**
 * Choose the clipping range that minimises the expected squared quantization error of the observed
 * distribution: candidates shrink the observed min and max (coordinate search over factors in
 * (0, 1]); each bin contributes
 * clipping error (centre − clamp)² outside the range and step²/12 rounding noise inside.
 */
export class MseEstimator implements RangeEstimator {
  readonly kind = 'mse';
  private readonly hist: StreamingHistogram;

  constructor(
    readonly bits = 8,
    readonly candidates = 100,
    bins = 2048,
  ) {
    signedRange(bits);
    if (!Number.isInteger(candidates) || candidates < 1)
      throw new InvalidArgumentError(`candidates must be a positive integer, got ${candidates}`);
    this.hist = new StreamingHistogram(bins);
  }

  observe(values: ArrayLike<number>): void {
    this.hist.observe(values);
  }

  get count(): number {
    return this.hist.count;
  }

  /** Expected squared error of quantizing the histogram's mass with range [lo, hi]. */
  expectedError(lo: number, hi: number): number {
    const levels = 2 ** this.bits - 1;
    const min = Math.min(lo, 0);
    const max = Math.max(hi, 0);
    const step = (max - min) / levels;
    const counts = this.hist.binCounts();
    const w = this.hist.binWidth();
    const half = this.hist.bins / 2;
    let err = 0;
    for (let b = 0; b < counts.length; b++) {
      const c = counts[b]!;
      if (c === 0) continue;
      const centre = Math.min(this.hist.max, Math.max(this.hist.min, (b - half + 0.5) * w));
      if (centre < min) err += c * (min - centre) ** 2;
      else if (centre > max) err += c * (centre - max) ** 2;
      else err += (c * step * step) / 12;
    }
    return err;
  }

  range(): Range {
    if (this.hist.count === 0) return { min: 0, max: 0 };
    const lo = Math.min(this.hist.min, 0);
    const hi = Math.max(this.hist.max, 0);
    // Coordinate descent: the best max for the current min, then the best min for that max.
    let best = { min: lo, max: hi };
    let bestErr = this.expectedError(lo, hi);
    for (let round = 0; round < 2; round++) {
      for (const side of ['max', 'min'] as const) {
        const bound = side === 'max' ? hi : lo;
        if (bound === 0) continue;
        for (let k = 1; k < this.candidates; k++) {
          const v = bound * (1 - k / this.candidates);
          const cand = side === 'max' ? { min: best.min, max: v } : { min: v, max: best.max };
          const e = this.expectedError(cand.min, cand.max);
          if (e < bestErr) {
            bestErr = e;
            best = cand;
          }
        }
      }
    }
    return best;
  }
}

export interface RangeEstimatorOptions {
  percentile?: number;
  bits?: number;
  bins?: number;
}

export function createRangeEstimator(
  kind: RangeEstimatorKind,
  options: RangeEstimatorOptions = {},
): RangeEstimator {
  switch (kind) {
    case 'minmax':
      return new MinMaxEstimator();
    case 'percentile':
      return new PercentileEstimator(options.percentile, options.bins);
    case 'mse':
      return new MseEstimator(options.bits, 100, options.bins);
    default:
      throw new InvalidArgumentError(
        `unknown range estimator "${String(kind)}" (use ${RANGE_ESTIMATORS.join(', ')})`,
      );
  }
}
