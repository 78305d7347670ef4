import type { Builder } from 'flatbuffers';
import { invalid } from '../../errors';
import type { FlatTable } from '../flat-reader';
import type { TflQuantization } from '../model-types';
import { float32Vector, int64Vector } from './vectors';

/** QuantizationParameters: 0 min, 1 max, 2 scale, 3 zero_point (int64), 4/5 details union, 6 quantized_dimension. */
export function readQuantization(t: FlatTable): TflQuantization {
  const zp = t.i64s(3, 'QuantizationParameters.zero_point');
  const zeroPoint = zp?.map((z) => {
    if (z < -2147483648n || z > 2147483647n)
      throw invalid(`zero point ${z} out of int32 range`, t.pos, t.view.file);
    return Number(z);
  });
  const q: TflQuantization = { quantizedDimension: t.i32(6, 0) };
  const min = t.f32s(0, 'QuantizationParameters.min');
  const max = t.f32s(1, 'QuantizationParameters.max');
  const scale = t.f32s(2, 'QuantizationParameters.scale');
  if (min) q.min = min;
  if (max) q.max = max;
  if (scale) q.scale = scale;
  if (zeroPoint) q.zeroPoint = zeroPoint;
  return q;
}

export function buildQuantization(b: Builder, q: TflQuantization): number {
  const min = q.min ? float32Vector(b, q.min) : 0;
  const max = q.max ? float32Vector(b, q.max) : 0;
  const scale = q.scale ? float32Vector(b, q.scale) : 0;
  const zp = q.zeroPoint ? int64Vector(b, q.zeroPoint) : 0;
  b.startObject(7);
  b.addFieldOffset(0, min, 0);
  b.addFieldOffset(1, max, 0);
  b.addFieldOffset(2, scale, 0);
  b.addFieldOffset(3, zp, 0);
  b.addFieldInt32(6, q.quantizedDimension, 0);
  return b.endObject();
}
