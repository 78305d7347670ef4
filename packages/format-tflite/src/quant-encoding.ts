import {
  decodeTensor,
  encodeTensor,
  gridOf,
  type QuantAnnotation,
  type Tensor,
} from '@collabopt/core';
import type { TflQuantization } from './schema/model-types';

/**
 * Quantization parameter encoding (TFLite semantics real = scale·(q − zero_point)) between IR
 * `QuantAnnotation`s and TFLite `QuantizationParameters`, and the integer values of weights that
 * the quantization passes left on the grid.
 */

/** Integer values of a float tensor on the grid of `ann` (core's grid encoding, clamped). */
export function quantizeOnGrid(t: Tensor, ann: QuantAnnotation, out: Int8Array | Int32Array): void {
  encodeTensor(t.data as Float32Array, t.shape, gridOf(ann), out);
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
  encodeTensor(data, shape, { scale: scales, channelAxes: [axis], qmin: -limit, qmax: limit }, out);
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

/** Dequantize integer data: real = scale_c · (q − zp_c) along `quantizedDimension` of `shape`. */
export function dequantize(
  q: ArrayLike<number>,
  shape: readonly number[],
  quant: TflQuantization,
  out: Float32Array,
): void {
  decodeTensor(
    q,
    shape,
    {
      scale: quant.scale ?? new Float32Array([1]),
      zeroPoint: quant.zeroPoint ?? [],
      channelAxes: [quant.quantizedDimension],
    },
    out,
  );
}
