import { InvalidArgumentError, type ErrorLocation } from '@collabopt/core';

/**
 * Ascending float32 sort by LSD radix sort on order-preserving integer keys (3 passes of 11 bits):
 * linear time, several times faster than `Float32Array.prototype.sort` on millions of weights.
 * NaN is rejected (the caller names the weight); −0 sorts before +0.
 */
export function sortFloat32(values: Float32Array, where: ErrorLocation = {}): Float32Array {
  const n = values.length;
  if (n < 512) {
    for (let i = 0; i < n; i++) if (Number.isNaN(values[i])) throw nanError(i, where);
    return Float32Array.from(values).sort();
  }
  const bits = new Uint32Array(values.buffer, values.byteOffset, n);
  let src = new Uint32Array(n);
  // One pass builds the keys and all three digit histograms.
  const counts = new Uint32Array(3 * 2048);
  for (let i = 0; i < n; i++) {
    const x = bits[i]!;
    if ((x & 0x7f800000) === 0x7f800000 && (x & 0x007fffff) !== 0) throw nanError(i, where);
    // Flip so unsigned integer order equals float order: negatives invert all bits, positives the sign.
    const key = x & 0x80000000 ? ~x >>> 0 : (x | 0x80000000) >>> 0;
    src[i] = key;
    counts[key & 2047]!++;
    counts[2048 + ((key >>> 11) & 2047)]!++;
    counts[4096 + (key >>> 22)]!++;
  }
  let dst = new Uint32Array(n);
  for (let pass = 0; pass < 3; pass++) {
    const shift = pass * 11;
    const offset = pass * 2048;
    let sum = 0;
    for (let j = 0; j < 2048; j++) {
      const c = counts[offset + j]!;
      counts[offset + j] = sum;
      sum += c;
    }
    for (let i = 0; i < n; i++) {
      const v = src[i]!;
      dst[counts[offset + ((v >>> shift) & 2047)]!++] = v;
    }
    const t = src;
    src = dst;
    dst = t;
  }
  for (let i = 0; i < n; i++) {
    const x = src[i]!;
    src[i] = x & 0x80000000 ? (x & 0x7fffffff) >>> 0 : ~x >>> 0;
  }
  return new Float32Array(src.buffer, 0, n);
}

function nanError(index: number, where: ErrorLocation): InvalidArgumentError {
  return new InvalidArgumentError(`cannot cluster a weight holding NaN (element ${index})`, {
    ...where,
    position: index,
  });
}

/** First index in `sorted[lo, hi)` whose value is > x (`strict = false`: ≥ x). */
export function searchSorted(
  sorted: ArrayLike<number>,
  x: number,
  strict: boolean,
  lo = 0,
  hi = sorted.length,
): number {
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    const v = sorted[mid]!;
    if (strict ? v <= x : v < x) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

/** Elements per block of the block prefix sums. */
const BLOCK = 64;

/**
 * Values sorted once, with block prefix sums of x and x² (one Float64 per 64 values), so range
 * sums for k-means, density CDFs and k-means++ potentials cost O(log n + 64) without an O(n)
 * float64 array per weight.
 */
export class SortedValues {
  private blocks: { sums: Float64Array; squares: Float64Array } | undefined;

  private constructor(readonly values: Float32Array) {}

  /** Sort `data` (not modified). Infinite values and NaN are rejected. */
  static from(data: Float32Array, where: ErrorLocation = {}): SortedValues {
    const sorted = sortFloat32(data, where);
    const n = sorted.length;
    if (n > 0 && (!Number.isFinite(sorted[0]!) || !Number.isFinite(sorted[n - 1]!))) {
      throw new InvalidArgumentError('cannot cluster a weight holding an infinite value', where);
    }
    return new SortedValues(sorted);
  }

  /** Wrap values that are already ascending and finite. */
  static ofSorted(sorted: Float32Array): SortedValues {
    return new SortedValues(sorted);
  }

  get length(): number {
    return this.values.length;
  }

  get min(): number {
    return this.values[0]!;
  }

  get max(): number {
    return this.values[this.values.length - 1]!;
  }

  /** Sub-range [lo, hi) as its own SortedValues (shares the value buffer). */
  slice(lo: number, hi: number): SortedValues {
    return new SortedValues(this.values.subarray(lo, hi));
  }

  /** Number of values ≤ x. */
  countAtMost(x: number): number {
    return searchSorted(this.values, x, true);
  }

  /** Number of values < x. */
  countBelow(x: number): number {
    return searchSorted(this.values, x, false);
  }

  /** Number of distinct values (−0 and +0 count once). */
  distinctCount(): number {
    const v = this.values;
    if (v.length === 0) return 0;
    let d = 1;
    for (let i = 1; i < v.length; i++) if (v[i] !== v[i - 1]) d++;
    return d;
  }

  /** The distinct values, ascending. */
  distinct(): Float64Array {
    const v = this.values;
    const out: number[] = [];
    for (let i = 0; i < v.length; i++)
      if (i === 0 || v[i] !== v[i - 1]) out.push(v[i] === 0 ? 0 : v[i]!);
    return Float64Array.from(out);
  }

  private blockSums(): { sums: Float64Array; squares: Float64Array } {
    if (this.blocks === undefined) {
      const v = this.values;
      const nb = Math.floor(v.length / BLOCK) + 1;
      const sums = new Float64Array(nb);
      const squares = new Float64Array(nb);
      let s = 0;
      let q = 0;
      for (let b = 1; b < nb; b++) {
        const end = b * BLOCK;
        for (let i = end - BLOCK; i < end; i++) {
          const x = v[i]!;
          s += x;
          q += x * x;
        }
        sums[b] = s;
        squares[b] = q;
      }
      this.blocks = { sums, squares };
    }
    return this.blocks;
  }

  /** Σ values[0..i). */
  prefixSum(i: number): number {
    const { sums } = this.blockSums();
    const b = Math.floor(i / BLOCK);
    let s = sums[b]!;
    const v = this.values;
    for (let j = b * BLOCK; j < i; j++) s += v[j]!;
    return s;
  }

  /** Σ values[0..i)². */
  prefixSquare(i: number): number {
    const { squares } = this.blockSums();
    const b = Math.floor(i / BLOCK);
    let s = squares[b]!;
    const v = this.values;
    for (let j = b * BLOCK; j < i; j++) s += v[j]! * v[j]!;
    return s;
  }

  /** Σ values[lo, hi). */
  rangeSum(lo: number, hi: number): number {
    return hi <= lo ? 0 : this.prefixSum(hi) - this.prefixSum(lo);
  }

  /** Σ (x − c)² over values[lo, hi). */
  squaredDistance(lo: number, hi: number, c: number): number {
    if (hi <= lo) return 0;
    const sum = this.rangeSum(lo, hi);
    const sq = this.prefixSquare(hi) - this.prefixSquare(lo);
    return Math.max(0, sq - 2 * c * sum + c * c * (hi - lo));
  }
}
