import { InvalidArgumentError, roundHalfAwayFromZero } from '@collabopt/core';

/**
 * Fixed-point multipliers of TFLite's integer kernels (`quantization_util.cc`, `common.cc`),
 * bit-exact: int32 inputs and outputs, 64-bit intermediates done with BigInt.
 */

export const INT32_MIN = -2147483648;
export const INT32_MAX = 2147483647;

/** A real multiplier M ≈ multiplier · 2^(shift − 31), multiplier an int32 in [2^30, 2^31). */
export interface QuantizedMultiplier {
  readonly multiplier: number;
  readonly shift: number;
}

/** frexp: x = mantissa · 2^exponent with |mantissa| in [0.5, 1). */
export function frexp(x: number): { mantissa: number; exponent: number } {
  if (x === 0 || !Number.isFinite(x)) return { mantissa: x, exponent: 0 };
  let exponent = Math.floor(Math.log2(Math.abs(x))) + 1;
  let mantissa = x / 2 ** exponent;
  // log2 can be off by one near powers of two; correct exactly.
  while (Math.abs(mantissa) >= 1) {
    mantissa /= 2;
    exponent++;
  }
  while (Math.abs(mantissa) < 0.5) {
    mantissa *= 2;
    exponent--;
  }
  return { mantissa, exponent };
}

/** `QuantizeMultiplier(M)`: q = round(mantissa · 2^31) (std::round), shift = exponent. */
export function quantizeMultiplier(realMultiplier: number): QuantizedMultiplier {
  if (!Number.isFinite(realMultiplier))
    throw new InvalidArgumentError(`multiplier must be finite, got ${realMultiplier}`);
  if (realMultiplier === 0) return { multiplier: 0, shift: 0 };
  const { mantissa, exponent } = frexp(realMultiplier);
  let q = roundHalfAwayFromZero(mantissa * 2 ** 31);
  let shift = exponent;
  if (Math.abs(q) === 2 ** 31) {
    q /= 2;
    shift++;
  }
  if (shift < -31) return { multiplier: 0, shift: 0 };
  return { multiplier: q, shift };
}

function checkInt32(x: number, what: string): void {
  if (!Number.isInteger(x) || x < INT32_MIN || x > INT32_MAX)
    throw new InvalidArgumentError(`${what} must be an int32, got ${x}`);
}

/**
 * Math.floor held in a module constant: inside jest's VM context every `Math.x` in a hot loop is a
 * global-object lookup that measured 20–30× slower than a local (the int4 simulation's inner loop).
 */
const floor = Math.floor;
const TWO_15 = 2 ** 15;
const TWO_16 = 2 ** 16;
const TWO_30 = 2 ** 30;
const TWO_31 = 2 ** 31;

/**
 * SaturatingRoundingDoublingHighMul: round((a·b)/2^31) with ties away from zero; MIN·MIN saturates.
 * Exact without BigInt (BigInt per element made the int4 simulation ~20× slower than a float
 * evaluation): b is split into 16-bit halves so every partial product is below 2^53, and the
 * 64-bit sum a·b + nudge is carried as hi·2^31 + lo with |lo| < 2^48.
 */
export function saturatingRoundingDoublingHighMul(a: number, b: number): number {
  if (a === INT32_MIN && b === INT32_MIN) return INT32_MAX;
  const bLow = b & 0xffff; // b = bHigh·2^16 + bLow, 0 ≤ bLow < 2^16
  const bHigh = (b - bLow) / TWO_16;
  const p = a * bHigh; // |p| < 2^46: exact
  const pLow = p - floor(p / TWO_15) * TWO_15; // p = pHigh·2^15 + pLow, 0 ≤ pLow < 2^15
  const pHigh = (p - pLow) / TWO_15;
  const negative = a < 0 !== b < 0 && a !== 0 && b !== 0;
  const nudge = negative ? 1 - TWO_30 : TWO_30;
  // a·b + nudge = pHigh·2^31 + lo, every term exact
  const lo = pLow * TWO_16 + a * bLow + nudge;
  const loFloor = floor(lo / TWO_31);
  const quotient = pHigh + loFloor;
  // C++ divides with truncation toward zero: a negative quotient with a remainder rounds up
  return negative && lo - loFloor * TWO_31 !== 0 ? quotient + 1 : quotient;
}

/** RoundingDivideByPOT: x / 2^exponent rounded to nearest, ties away from zero (arithmetic shift). */
export function roundingDivideByPOT(x: number, exponent: number): number {
  if (!Number.isInteger(exponent) || exponent < 0 || exponent > 31)
    throw new InvalidArgumentError(`exponent must be in [0, 31], got ${exponent}`);
  const mask = exponent === 31 ? 0x7fffffff : (1 << exponent) - 1;
  const remainder = x & mask;
  const threshold = (mask >> 1) + (x < 0 ? 1 : 0);
  return (x >> exponent) + (remainder > threshold ? 1 : 0);
}

/** MultiplyByQuantizedMultiplier (default double-rounding build). */
export function multiplyByQuantizedMultiplier(
  x: number,
  multiplier: number,
  shift: number,
): number {
  checkInt32(x, 'accumulator');
  checkInt32(multiplier, 'multiplier');
  const left = Math.max(shift, 0);
  const right = Math.max(-shift, 0);
  const shifted = left === 0 ? x : Number(BigInt.asIntN(32, BigInt(x) << BigInt(left)));
  return roundingDivideByPOT(saturatingRoundingDoublingHighMul(shifted, multiplier), right);
}

/** Single-rounding build: (x·q + 2^(30 − shift)) >> (31 − shift) in 64-bit, shift clamped to ≤ 30. */
export function multiplyByQuantizedMultiplierSingleRounding(
  x: number,
  multiplier: number,
  shift: number,
): number {
  checkInt32(x, 'accumulator');
  checkInt32(multiplier, 'multiplier');
  const s = BigInt(31 - Math.min(shift, 30));
  const round = 1n << (s - 1n);
  return Number(BigInt.asIntN(32, (BigInt(x) * BigInt(multiplier) + round) >> s));
}

/**
 * Requantize an int32 accumulator to the output type: multiply, add the output zero point, clamp to
 * the activation range (the tail of every int8 conv / fully-connected kernel).
 */
export function requantize(
  acc: number,
  m: QuantizedMultiplier,
  outputZeroPoint: number,
  actMin: number,
  actMax: number,
): number {
  const v = multiplyByQuantizedMultiplier(acc, m.multiplier, m.shift) + outputZeroPoint;
  return v < actMin ? actMin : v > actMax ? actMax : v;
}

/**
 * `CalculateActivationRangeQuantized`: the integer clamp a fused activation implies on an output
 * with (scale, zeroPoint) in [qmin, qmax].
 */
export function activationRangeQuantized(
  activation: 'linear' | 'relu' | 'relu6' | 'relu_n1_to_1',
  scale: number,
  zeroPoint: number,
  qmin = -128,
  qmax = 127,
): [number, number] {
  const q = (f: number): number => zeroPoint + roundHalfAwayFromZero(f / scale);
  switch (activation) {
    case 'linear':
      return [qmin, qmax];
    case 'relu':
      return [Math.max(qmin, q(0)), qmax];
    case 'relu6':
      return [Math.max(qmin, q(0)), Math.min(qmax, q(6))];
    case 'relu_n1_to_1':
      return [Math.max(qmin, q(-1)), Math.min(qmax, q(1))];
  }
}
