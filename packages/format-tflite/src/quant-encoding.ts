import { channelLayout, quantRange, type QuantAnnotation, type Tensor } from '@collabopt/core';
import type { TflQuantization } from './schema/model-types';

/**
 * Quantization parameter encoding (TFLite semantics real = scale·(q − zero_point)) between IR
 * `QuantAnnotation`s and TFLite `QuantizationParameters`, and the integer values of weights that
 * the quantization passes left on the grid.
 */

/** Integer values of a float tensor on the grid of `ann` (round half away from zero, clamped). */
export function quantizeOnGrid(t: Tensor, ann: QuantAnnotation, out: Int8Array | Int32Array): void {
  const data = t.data as Float32Array;
  const perChannel = ann.scale.length > 1;
  const layout =
    perChannel && ann.channelAxes ? channelLayout(t.shape, ann.channelAxes) : undefined;
  const [qmin, qmax] = quantRange(ann);
  for (let i = 0; i < data.length; i++) {
    const c = layout ? layout.channelOf(i) : 0;
    const s = ann.scale[c]!;
    const zp = ann.zeroPoint[c] ?? 0;
    const q = s === 0 ? zp : Math.round(data[i]! / s) + zp;
    out[i] = Math.min(qmax, Math.max(qmin, q));
  }
}

/** Quantize with explicit per-channel scales along `axis` of a (TFLite-layout) shape, zero point 0. */
export function quantizeSymmetric(
  data: Float32Array,
  shape: readonly number[],
  scales: Float32Array,
  axis: number,
  out: Int32Array,
  limit = 2147483647,
): void {
  const layout = scales.length > 1 ? channelLayout(shape, [axis]) : undefined;
  for (let i = 0; i < data.length; i++) {
    const s = scales[layout ? layout.channelOf(i) : 0]!;
    const q = s === 0 ? 0 : Math.round(data[i]! / s);
    out[i] = Math.min(limit, Math.max(-limit, q));
  }
}

/** int64 biases (16x8): q = round(b / scale_c), per channel along the only axis, zero point 0. */
export function quantizeSymmetric64(
  data: Float32Array,
  scales: Float32Array,
  out: BigInt64Array,
): void {
  for (let i = 0; i < data.length; i++) {
    const s = scales[scales.length > 1 ? i : 0]!;
    out[i] = BigInt(s === 0 ? 0 : Math.round(data[i]! / s));
  }
}

export function toTfliteQuant(
  scale: ArrayLike<number>,
  zeroPoint: ArrayLike<number>,
  quantizedDimension = 0,
): TflQuantization {
  return { scale: Float32Array.from(scale), zeroPoint: Array.from(zeroPoint), quantizedDimension };
}

/** Same quantization parameters (per-tensor or per-axis). */
export function sameQuant(a: TflQuantization | undefined, b: TflQuantization | undefined): boolean {
  if (a?.scale === undefined || b?.scale === undefined) return a?.scale === b?.scale;
  if (a.scale.length !== b.scale.length || a.quantizedDimension !== b.quantizedDimension)
    return false;
  for (let i = 0; i < a.scale.length; i++) {
    if (a.scale[i] !== b.scale[i] || (a.zeroPoint?.[i] ?? 0) !== (b.zeroPoint?.[i] ?? 0))
      return false;
  }
  return true;
}

/** IR annotation from TFLite parameters (for importing int8 models with their parameters kept). */
export function toQuantAnnotation(
  q: TflQuantization,
  dtype: QuantAnnotation['dtype'],
  options: { channelAxes?: readonly number[]; narrowRange?: boolean } = {},
): QuantAnnotation {
  const scale = Float32Array.from(q.scale ?? []);
  const zeroPoint = Int32Array.from(q.zeroPoint ?? new Array<number>(scale.length).fill(0));
  const bits = dtype === 'int32' ? 32 : dtype === 'int16' ? 16 : 8;
  return {
    dtype,
    scale,
    zeroPoint,
    ...(scale.length > 1 && options.channelAxes ? { channelAxes: options.channelAxes } : {}),
    bits,
    narrowRange: options.narrowRange ?? false,
    ...(q.min && q.min.length === 1 ? { min: q.min[0]! } : {}),
    ...(q.max && q.max.length === 1 ? { max: q.max[0]! } : {}),
  };
}

/** Dequantize integer data: real = scale_c · (q − zp_c) along `axis` of `shape`. */
export function dequantize(
  q: ArrayLike<number>,
  shape: readonly number[],
  quant: TflQuantization,
  out: Float32Array,
): void {
  const scales = quant.scale ?? new Float32Array([1]);
  const zps = quant.zeroPoint ?? [];
  const layout = scales.length > 1 ? channelLayout(shape, [quant.quantizedDimension]) : undefined;
  for (let i = 0; i < out.length; i++) {
    const c = layout ? layout.channelOf(i) : 0;
    out[i] = scales[c]! * (q[i]! - (zps[c] ?? 0));
  }
}
