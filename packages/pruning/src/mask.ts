import { InvalidArgumentError, roundHalfToEven } from '@collabopt/core';

/** A computed pruning mask: 1 keeps an element, 0 prunes it. */
export interface MaskResult {
  readonly mask: Uint8Array;
  /** Magnitude a kept element must reach (for m:n masks, where none applies, 999 as in TFMOT). */
  readonly threshold: number;
}

/** Sparsity targets must lie in [0, 1) (at least one weight always survives). */
export function checkSparsity(sparsity: number, what = 'sparsity'): void {
  if (!Number.isFinite(sparsity) || sparsity < 0 || sparsity >= 1) {
    throw new InvalidArgumentError(`${what} must be in [0, 1), got ${sparsity}`, { field: what });
  }
}

/**
 * How many of `size` elements a magnitude mask keeps at `sparsity`: max(round(size·(1−s)), 1),
 * evaluated in float32 with round-half-to-even as TFMOT does.
 */
export function keepCount(size: number, sparsity: number): number {
  checkSparsity(sparsity);
  const product = Math.fround(Math.fround(size) * Math.fround(1 - Math.fround(sparsity)));
  return Math.min(size, Math.max(roundHalfToEven(product), 1));
}

/** |values| as float32, rejecting NaN/Infinity (a mask computed from them would be meaningless). */
export function magnitudes(values: ArrayLike<number>, where = 'weight'): Float32Array {
  const out = new Float32Array(values.length);
  for (let i = 0; i < values.length; i++) {
    const v = values[i]!;
    if (!Number.isFinite(v)) {
      throw new InvalidArgumentError(
        `${where} holds a non-finite value (${v}) at element ${i}; cannot rank magnitudes`,
        {
          position: i,
        },
      );
    }
    out[i] = Math.abs(v);
  }
  return out;
}

/**
 * Unstructured magnitude mask (TFMOT `_update_mask`): the threshold is the k-th largest |w| with
 * k = keepCount(N, s); every element with |w| ≥ threshold is kept, so ties at the threshold all
 * survive and the achieved sparsity can fall below the target.
 */
export function magnitudeMaskFromMagnitudes(abs: Float32Array, sparsity: number): MaskResult {
  const n = abs.length;
  if (n === 0) return { mask: new Uint8Array(0), threshold: 0 };
  const k = keepCount(n, sparsity);
  const threshold = kthLargest(abs, k);
  const mask = new Uint8Array(n);
  for (let i = 0; i < n; i++) mask[i] = abs[i]! >= threshold ? 1 : 0;
  return { mask, threshold };
}

/** Unstructured magnitude mask of raw (signed) weight values. */
export function magnitudeMask(values: ArrayLike<number>, sparsity: number): MaskResult {
  return magnitudeMaskFromMagnitudes(magnitudes(values), sparsity);
}

/** The k-th largest element (1-based) of `data` (not modified). */
export function kthLargest(data: Float32Array, k: number): number {
  if (k < 1 || k > data.length)
    throw new InvalidArgumentError(`k=${k} outside [1, ${data.length}]`);
  const sorted = Float32Array.from(data).sort();
  return sorted[data.length - k]!;
}

/** Fraction of zeros in a mask. */
export function maskSparsity(mask: Uint8Array): number {
  if (mask.length === 0) return 0;
  let zeros = 0;
  for (let i = 0; i < mask.length; i++) if (mask[i] === 0) zeros++;
  return zeros / mask.length;
}

/** values ⊙ mask into a new Float32Array (pruned entries become +0). */
export function applyMask(values: ArrayLike<number>, mask: Uint8Array): Float32Array {
  if (values.length !== mask.length) {
    throw new InvalidArgumentError(`mask has ${mask.length} entries, weight has ${values.length}`);
  }
  const out = new Float32Array(values.length);
  for (let i = 0; i < values.length; i++) out[i] = mask[i] ? values[i]! : 0;
  return out;
}
