import {
  InvalidArgumentError,
  channelLayout,
  encodeOnGrid,
  roundHalfAwayFromZero,
  type CodebookAnnotation,
  type QuantAnnotation,
  type Tensor,
  type Weight,
} from '@collabopt/core';
import { codebookScaleAxes, distinctCentroidCodes } from './codebook-grid';
import { signedRange, symmetricParams } from './quant-params';

/** A weight snapped to a symmetric integer grid (the float values equal scale_c · q exactly). */
export interface QuantizedWeight {
  /** Float values on the grid (float32(scale_c · q)). */
  readonly values: Float32Array;
  /** The integers. */
  readonly q: Int32Array;
  readonly scale: Float32Array;
  readonly zeroPoint: Int32Array;
  readonly channelAxes?: readonly number[];
  readonly bits: number;
  readonly narrowRange: boolean;
}

export interface SymmetricWeightOptions {
  /** Per-channel along these axes (flattened); per tensor when absent. */
  readonly channelAxes?: readonly number[];
  readonly bits?: number;
  readonly narrowRange?: boolean;
  /** Use one scale for every channel (still reported per channel when `channelAxes` is given). */
  readonly sharedScale?: boolean;
  /** Lower bounds for the per-channel scales (e.g. widened so a bias fits int32). */
  readonly minScale?: ArrayLike<number>;
}

function floatData(t: Tensor, what: string): Float32Array {
  if (!(t.data instanceof Float32Array))
    throw new InvalidArgumentError(`${what} must be float32 to quantize, got ${t.dtype}`);
  return t.data;
}

/** Per-channel (or per-tensor) max |w|. */
export function absMaxPerChannel(
  data: ArrayLike<number>,
  shape: readonly number[],
  channelAxes?: readonly number[],
): Float64Array {
  if (!channelAxes) {
    let m = 0;
    for (let i = 0; i < data.length; i++) m = Math.max(m, Math.abs(data[i]!));
    return Float64Array.of(m);
  }
  const layout = channelLayout(shape, channelAxes);
  const out = new Float64Array(layout.count);
  for (let i = 0; i < data.length; i++) {
    const c = layout.channelOf(i);
    const a = Math.abs(data[i]!);
    if (a > out[c]!) out[c] = a;
  }
  return out;
}

/** Scales of the symmetric grid for the given per-channel bounds. */
export function symmetricScales(
  absMax: ArrayLike<number>,
  bits: number,
  narrowRange: boolean,
  sharedScale = false,
  minScale?: ArrayLike<number>,
): Float32Array {
  const n = absMax.length;
  let bounds = Array.from(absMax);
  if (sharedScale) {
    const m = Math.max(...bounds);
    bounds = bounds.map(() => m);
  }
  const scales = new Float32Array(n);
  for (let c = 0; c < n; c++) scales[c] = symmetricParams(bounds[c]!, bits, narrowRange).scale;
  if (minScale) {
    // A per-tensor scale must satisfy every channel's bound.
    const bound = (c: number): number =>
      n === 1 ? Math.max(0, ...Array.from(minScale)) : (minScale[c] ?? 0);
    for (let c = 0; c < n; c++) scales[c] = Math.max(scales[c]!, bound(c));
    if (sharedScale) scales.fill(Math.max(...scales));
  }
  return scales;
}

/** q = clamp(round(x / scale), qmin, qmax); value = float32(scale · q); −0 becomes 0. */
export function snapToGrid(
  x: number,
  scale: number,
  qmin: number,
  qmax: number,
): { q: number; value: number } {
  const q = encodeOnGrid(x, scale, 0, qmin, qmax, roundHalfAwayFromZero);
  if (q === 0) return { q: 0, value: 0 };
  return { q, value: Math.fround(scale * q) };
}

/**
 * Symmetric weight quantization per the TFLite int8 spec: per channel `scale_c = max|w_c|/127`,
 * `q = clamp(round(w/scale_c), −127, 127)`, zero point 0. Zeros stay exactly zero.
 */
export function quantizeSymmetric(
  t: Tensor,
  options: SymmetricWeightOptions = {},
): QuantizedWeight {
  const data = floatData(t, 'weight');
  const bits = options.bits ?? 8;
  const narrowRange = options.narrowRange ?? true;
  const half = 2 ** (bits - 1);
  const qmin = narrowRange ? -half + 1 : -half;
  const qmax = half - 1;
  const absMax = absMaxPerChannel(data, t.shape, options.channelAxes);
  const scale = symmetricScales(absMax, bits, narrowRange, options.sharedScale, options.minScale);
  const layout = options.channelAxes ? channelLayout(t.shape, options.channelAxes) : undefined;
  const values = new Float32Array(data.length);
  const q = new Int32Array(data.length);
  for (let i = 0; i < data.length; i++) {
    const s = scale[layout ? layout.channelOf(i) : 0]!;
    const r = snapToGrid(data[i]!, s, qmin, qmax);
    values[i] = r.value;
    q[i] = r.q;
  }
  return {
    values,
    q,
    scale,
    zeroPoint: new Int32Array(scale.length),
    ...(options.channelAxes ? { channelAxes: [...options.channelAxes] } : {}),
    bits,
    narrowRange,
  };
}

/** The annotation recording a quantized weight (contract of docs/quantization-contract.md). */
export function weightQuantAnnotation(
  qw: QuantizedWeight,
  dtype: QuantAnnotation['dtype'] = 'int8',
): QuantAnnotation {
  let min = 0;
  let max = 0;
  for (let c = 0; c < qw.scale.length; c++) {
    const qmax = 2 ** (qw.bits - 1) - 1;
    min = Math.min(min, -qw.scale[c]! * qmax);
    max = Math.max(max, qw.scale[c]! * qmax);
  }
  return {
    dtype,
    scale: qw.scale,
    zeroPoint: qw.zeroPoint,
    ...(qw.channelAxes ? { channelAxes: qw.channelAxes } : {}),
    bits: qw.bits,
    narrowRange: qw.narrowRange,
    min,
    max,
  };
}

export interface WeightQuantizationResult extends QuantizedWeight {
  /** The codebook with its centroids moved to the grid (when the weight had one). */
  readonly codebook?: CodebookAnnotation;
}

/**
 * Quantize a weight honouring the contracts it already carries (codebook-exact quantization):
 * - a `mask`: pruned zeros quantize to exactly 0 (the grid is symmetric, zero point 0);
 * - a `codebook`: the centroids are quantized, not the weights, and every element is set to its
 *   quantized centroid. A per-tensor codebook gets one scale shared by every channel (so a centroid
 *   is the same integer everywhere); a per-channel codebook along the quantization axes gets one
 *   scale per channel (`codebookScaleAxes`). Distinct centroids of a row get distinct codes
 *   (`distinctCentroidCodes`), so k centroids are exactly k codes per tensor (per channel for
 *   per-channel codebooks) whenever the grid has k levels; a narrow grid (int4's 15 symmetric
 *   levels) with more centroids than levels uses its full range (−8..7 for int4).
 */
export function quantizeWeight(
  weight: Weight,
  options: SymmetricWeightOptions = {},
): WeightQuantizationResult {
  const cb = weight.annotations.codebook;
  if (!cb) return quantizeSymmetric(weight.tensor, options);
  const t = weight.tensor;
  const data = floatData(t, 'weight');
  const perRow =
    codebookScaleAxes(cb.channelAxes, options.channelAxes, t.shape.length) !== undefined;
  const bits = options.bits ?? 8;
  const k = cb.clusters;
  const narrowLevels = 2 ** bits - 1;
  // int8 weights stay narrow (TFLite spec); narrower grids open their full range when k needs it.
  const narrowRange = options.narrowRange ?? (bits >= 8 || k <= narrowLevels);
  const base = quantizeSymmetric(t, {
    ...options,
    narrowRange,
    sharedScale: options.sharedScale ?? !perRow,
  });
  const rows = cb.centroids.length / k;
  const cbLayout = cb.channelAxes ? channelLayout(t.shape, cb.channelAxes) : undefined;
  const [qmin, qmax] = signedRange(base.bits, base.narrowRange);
  // Scale per codebook row: the row's channel scale (per-row) or the shared one.
  const rowScale = (row: number): number => base.scale[perRow ? row : 0]!;
  const centroids = new Float32Array(cb.centroids.length);
  const centroidQ = new Int32Array(cb.centroids.length);
  for (let r = 0; r < rows; r++) {
    const s = rowScale(r);
    const codes = distinctCentroidCodes(cb.centroids.subarray(r * k, (r + 1) * k), s, qmin, qmax);
    for (let j = 0; j < k; j++) {
      const q = codes[j]!;
      centroidQ[r * k + j] = q;
      centroids[r * k + j] = q === 0 ? 0 : Math.fround(s * q);
    }
  }
  const values = new Float32Array(data.length);
  const q = new Int32Array(data.length);
  for (let i = 0; i < data.length; i++) {
    const row = cbLayout ? cbLayout.channelOf(i) : 0;
    const idx = row * k + cb.indices[i]!;
    values[i] = centroids[idx]!;
    q[i] = centroidQ[idx]!; // with a shared scale, q is on every channel's grid
  }
  const codebook: CodebookAnnotation = { ...cb, centroids };
  return { ...base, values, q, codebook };
}

export interface QuantizedBias {
  readonly values: Float32Array;
  readonly q: Int32Array | BigInt64Array;
  readonly scale: Float32Array;
  /** Channels whose bias had to be clamped to the integer range. */
  readonly clamped: number[];
}

/**
 * Bias quantization: scale_c = input_scale · weight_scale_c (float32), zero point 0,
 * q = clamp(round(b/scale_c), −(2^(b−1) − 1), 2^(b−1) − 1) for 32-bit (int8 scheme) or 64-bit (16x8).
 */
export function quantizeBias(
  bias: Float32Array,
  inputScale: number,
  weightScales: Float32Array,
  bits: 32 | 64 = 32,
): QuantizedBias {
  const n = bias.length;
  if (weightScales.length !== 1 && weightScales.length !== n) {
    throw new InvalidArgumentError(
      `bias has ${n} entries but the weight has ${weightScales.length} scales`,
    );
  }
  const scale = new Float32Array(n);
  const values = new Float32Array(n);
  const q32 = bits === 32 ? new Int32Array(n) : undefined;
  const q64 = bits === 64 ? new BigInt64Array(n) : undefined;
  const limit = 2 ** (bits - 1) - 1;
  const clamped: number[] = [];
  for (let c = 0; c < n; c++) {
    const s = Math.fround(inputScale * weightScales[weightScales.length === 1 ? 0 : c]!);
    scale[c] = s;
    let qi = s === 0 ? 0 : roundHalfAwayFromZero(bias[c]! / s);
    if (qi > limit || qi < -limit) {
      qi = Math.max(-limit, Math.min(limit, qi));
      clamped.push(c);
    }
    if (q32) q32[c] = qi;
    if (q64) q64[c] = BigInt(qi);
    values[c] = qi === 0 ? 0 : s * qi;
  }
  return { values, q: q32 ?? q64!, scale, clamped };
}

/**
 * TFLite's AdjustWeightsForBiasScale: the smallest weight scale per channel that keeps
 * |bias_c| / (input_scale · weight_scale_c) within half the int32 range.
 */
export function minWeightScalesForBias(
  bias: Float32Array,
  inputScale: number,
  bits: 32 | 64 = 32,
): Float32Array {
  const out = new Float32Array(bias.length);
  const limit = 2 ** (bits - 1) - 1;
  if (inputScale === 0) return out;
  for (let c = 0; c < bias.length; c++) out[c] = (2 * Math.abs(bias[c]!)) / limit / inputScale;
  return out;
}
