import { float16BitsToFloat32, sizeOf } from '@collabopt/core';
import { invalid, unsupportedFeature } from '../errors';
import { unpackInt4 } from '../int4-packing';
import { dequantize } from '../quant-encoding';
import { TENSOR_TYPE_NAMES, TensorType } from '../schema/enums';
import type { TflQuantization, TflTensor } from '../schema/model-types';
import { sparseToDenseIndices } from '../sparsity';

/** A constant tensor of the file, decoded: raw integers/floats and the real (dequantized) values. */
export interface ConstantTensor {
  readonly index: number;
  readonly name: string;
  readonly type: number;
  /** TFLite shape (TFLite layout). */
  readonly shape: number[];
  /** Real values: float32/float16 as floats, integer types dequantized when quantization is present. */
  readonly values: Float32Array;
  /** Raw integer values for int32/int64/int8 tensors (shapes, axes, paddings, quantized data). */
  readonly ints?: Int32Array;
  readonly quantization?: TflQuantization;
}

const ELEMENT_BYTES: Readonly<Record<number, number>> = {
  [TensorType.FLOAT32]: 4,
  [TensorType.FLOAT16]: 2,
  [TensorType.INT32]: 4,
  [TensorType.UINT8]: 1,
  [TensorType.INT64]: 8,
  [TensorType.INT16]: 2,
  [TensorType.INT8]: 1,
};

/** Largest constant decoded (elements); protects against shapes that claim gigabytes. */
const MAX_ELEMENTS = 1 << 28;

/** Decode the data of a constant tensor, checking its size against its shape (and sparsity). */
export function decodeConstant(
  t: TflTensor,
  index: number,
  data: Uint8Array,
  file?: string,
): ConstantTensor {
  const where = { ...(file !== undefined ? { file } : {}), field: t.name };
  if (t.type === TensorType.INT4) {
    // Two values per byte: unpack to int8 and decode as such (the type stays INT4).
    if (t.sparsity) throw unsupportedFeature(`sparse INT4 tensor ${index} ("${t.name}")`, where);
    const count = t.shape.some((d) => d > MAX_ELEMENTS) ? Infinity : sizeOf(t.shape);
    if (!(count <= MAX_ELEMENTS) || data.length !== Math.ceil(count / 2))
      throw invalid(
        `INT4 tensor ${index} ("${t.name}") holds ${data.length} bytes for shape [${t.shape.join(', ')}]`,
        undefined,
        file,
      );
    const unpacked = unpackInt4(data, count);
    const c = decodeConstant(
      { ...t, type: TensorType.INT8 },
      index,
      new Uint8Array(unpacked.buffer, unpacked.byteOffset, unpacked.length),
      file,
    );
    return { ...c, type: TensorType.INT4 };
  }
  const width = ELEMENT_BYTES[t.type];
  if (width === undefined) {
    throw unsupportedFeature(
      `constant tensor ${index} ("${t.name}") has type ${TENSOR_TYPE_NAMES[t.type] ?? t.type}`,
      where,
    );
  }
  if (t.shape.some((d) => d > MAX_ELEMENTS))
    throw invalid(`tensor ${index} shape [${t.shape.join(', ')}] is too large`, undefined, file);
  const size = sizeOf(t.shape);
  if (size > MAX_ELEMENTS) throw invalid(`tensor ${index} has ${size} elements`, undefined, file);
  if (data.length % width !== 0)
    throw invalid(
      `buffer of tensor ${index} ("${t.name}") holds ${data.length} bytes, not a multiple of ${width}`,
      undefined,
      file,
    );
  const stored = data.length / width;
  let positions: Int32Array | undefined;
  if (t.sparsity) {
    positions = sparseToDenseIndices(t.sparsity, t.shape, stored, `tensor ${index} ("${t.name}")`);
  } else if (stored !== size) {
    throw invalid(
      `buffer of tensor ${index} ("${t.name}") holds ${stored} elements, shape [${t.shape.join(', ')}] needs ${size}`,
      undefined,
      file,
    );
  }
  const dv = new DataView(data.buffer, data.byteOffset, data.byteLength);
  const raw = new Float64Array(stored);
  for (let i = 0; i < stored; i++) {
    const p = i * width;
    switch (t.type) {
      case TensorType.FLOAT32:
        raw[i] = dv.getFloat32(p, true);
        break;
      case TensorType.FLOAT16:
        raw[i] = float16BitsToFloat32(dv.getUint16(p, true));
        break;
      case TensorType.INT32:
        raw[i] = dv.getInt32(p, true);
        break;
      case TensorType.UINT8:
        raw[i] = dv.getUint8(p);
        break;
      case TensorType.INT64:
        raw[i] = Number(dv.getBigInt64(p, true));
        break;
      case TensorType.INT16:
        raw[i] = dv.getInt16(p, true);
        break;
      case TensorType.INT8:
        raw[i] = dv.getInt8(p);
        break;
    }
  }
  const dense = new Float64Array(size);
  if (positions) positions.forEach((pos, k) => (dense[pos] = raw[k]!));
  else dense.set(raw);
  const isFloat = t.type === TensorType.FLOAT32 || t.type === TensorType.FLOAT16;
  const q = t.quantization?.scale && t.quantization.scale.length > 0 ? t.quantization : undefined;
  let values: Float32Array;
  if (!isFloat && q) {
    values = new Float32Array(size);
    if (q.scale!.length > 1) {
      const d = q.quantizedDimension;
      if (d < 0 || d >= t.shape.length || t.shape[d] !== q.scale!.length) {
        throw invalid(
          `tensor ${index} ("${t.name}") has ${q.scale!.length} scales for dimension ${d} of shape [${t.shape.join(', ')}]`,
          undefined,
          file,
        );
      }
    }
    dequantize(dense, t.shape, q, values);
  } else {
    values = Float32Array.from(dense);
  }
  return {
    index,
    name: t.name,
    type: t.type,
    shape: [...t.shape],
    values,
    ...(isFloat ? {} : { ints: Int32Array.from(dense) }),
    ...(q ? { quantization: q } : {}),
  };
}
