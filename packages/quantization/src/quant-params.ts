import { InvalidArgumentError, encodeOnGrid, roundHalfAwayFromZero } from '@collabopt/core';
import { clamp } from './rounding';

/**
 * Affine quantization parameters in TFLite semantics: real = scale · (q − zeroPoint), q an integer
 * in [qmin, qmax]. `scale` is always a float32 value (what a flatbuffer stores).
 */
export interface QuantParams {
  readonly scale: number;
  readonly zeroPoint: number;
  readonly qmin: number;
  readonly qmax: number;
}

/** Integer range of a signed `bits`-bit type; narrow range drops the most negative value. */
export function signedRange(bits: number, narrowRange = false): [number, number] {
  if (!Number.isInteger(bits) || bits < 2 || bits > 32)
    throw new InvalidArgumentError(`bits must be an integer in [2, 32], got ${bits}`);
  const half = 2 ** (bits - 1);
  return [narrowRange ? -half + 1 : -half, half - 1];
}

function checkFiniteRange(min: number, max: number): void {
  if (!Number.isFinite(min) || !Number.isFinite(max))
    throw new InvalidArgumentError(`range [${min}, ${max}] is not finite`);
  if (min > max) throw new InvalidArgumentError(`range min ${min} is greater than max ${max}`);
}

/**
 * Asymmetric (activation) parameters as the TFLite quantizer computes them: the range is widened
 * to contain 0, `scale = (max − min)/(qmax − qmin)`, `zeroPoint = clamp(round(qmin − min/scale))`
 * with std::round. A range that is exactly [0, 0] gets scale 1 (any positive scale represents the
 * constant 0 exactly; a zero scale would make runtimes divide by zero).
 */
export function asymmetricParams(min: number, max: number, bits = 8): QuantParams {
  checkFiniteRange(min, max);
  const [qmin, qmax] = signedRange(bits);
  const lo = Math.min(min, 0);
  const hi = Math.max(max, 0);
  if (hi - lo === 0) return { scale: 1, zeroPoint: qmin, qmin, qmax };
  const scale = (hi - lo) / (qmax - qmin); // double, as the quantizer; stored as float32
  const zeroPoint = clamp(roundHalfAwayFromZero(qmin - lo / scale), qmin, qmax);
  return { scale: Math.fround(scale), zeroPoint, qmin, qmax };
}

/**
 * Symmetric parameters (weights, int16 activations): zero point 0 and `scale = absMax/qmax`.
 * With `narrowRange` the integers span [−qmax, qmax] (int8 weights: [−127, 127]).
 * `absMax = 0` (an all-zero tensor or channel) gets the scale of the range [−1, 1], so the zeros
 * stay exact, the scale stays invertible, and a bias attached to the channel stays representable.
 */
export function symmetricParams(absMax: number, bits = 8, narrowRange = true): QuantParams {
  if (!Number.isFinite(absMax) || absMax < 0)
    throw new InvalidArgumentError(`symmetric range bound must be finite and ≥ 0, got ${absMax}`);
  const [qmin, qmax] = signedRange(bits, narrowRange);
  const r = absMax === 0 ? 1 : absMax;
  return { scale: Math.fround(r / qmax), zeroPoint: 0, qmin, qmax };
}

/** The float range a set of parameters represents exactly: [(qmin − zp)·s, (qmax − zp)·s]. */
export function representableRange(p: QuantParams): { min: number; max: number } {
  return {
    min: Math.fround((p.qmin - p.zeroPoint) * p.scale),
    max: Math.fround((p.qmax - p.zeroPoint) * p.scale),
  };
}

/** Result of fake_quant's nudging (unsigned integer space [qmin, qmax], as TensorFlow's kernel). */
export interface NudgedRange {
  readonly scale: number;
  /** Zero point in the op's unsigned space ([0, 2^b − 1], or [1, 2^b − 1] when narrow). */
  readonly zeroPoint: number;
  readonly nudgedMin: number;
  readonly nudgedMax: number;
  readonly qmin: number;
  readonly qmax: number;
}

/**
 * `tf.quantization.fake_quant_with_min_max_vars` nudging: qmin = narrow ? 1 : 0, qmax = 2^b − 1,
 * scale = (max − min)/(qmax − qmin), zero point = round(qmin − min/scale) clamped to [qmin, qmax],
 * nudged range = [(qmin − zp)·scale, (qmax − zp)·scale]. Float32 arithmetic as the kernel.
 */
export function nudgeRange(min: number, max: number, bits = 8, narrowRange = false): NudgedRange {
  checkFiniteRange(min, max);
  if (!Number.isInteger(bits) || bits < 2 || bits > 16)
    throw new InvalidArgumentError(`fake-quant bits must be in [2, 16], got ${bits}`);
  if (min === max)
    throw new InvalidArgumentError(`fake-quant range must not be empty, got [${min}, ${max}]`);
  const f = Math.fround;
  const qmin = narrowRange ? 1 : 0;
  const qmax = 2 ** bits - 1;
  const scale = f(f(max - min) / (qmax - qmin));
  const zpFromMin = f(qmin - f(min / scale));
  const zeroPoint =
    zpFromMin < qmin ? qmin : zpFromMin > qmax ? qmax : roundHalfAwayFromZero(zpFromMin);
  return {
    scale,
    zeroPoint,
    nudgedMin: f((qmin - zeroPoint) * scale),
    nudgedMax: f((qmax - zeroPoint) * scale),
    qmin,
    qmax,
  };
}

/**
 * The signed parameters that represent the same grid as a fake_quant nudged range: the exporter's
 * view of a QAT range (int8 zero point = unsigned zero point − 2^(b−1)).
 */
export function paramsFromNudged(n: NudgedRange, bits: number): QuantParams {
  const offset = 2 ** (bits - 1);
  return {
    scale: n.scale,
    zeroPoint: n.zeroPoint - offset,
    qmin: n.qmin - offset,
    qmax: n.qmax - offset,
  };
}

/** Quantize one real value: clamp(round(x/scale) + zp, qmin, qmax) (std::round, as TFLite's QUANTIZE). */
export function quantizeValue(x: number, p: QuantParams): number {
  return encodeOnGrid(x, p.scale, p.zeroPoint, p.qmin, p.qmax, roundHalfAwayFromZero);
}

export function dequantizeValue(q: number, p: QuantParams): number {
  return Math.fround((q - p.zeroPoint) * p.scale);
}
