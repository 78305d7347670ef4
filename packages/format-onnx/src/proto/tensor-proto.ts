import {
  FormatError,
  UnsupportedError,
  tensorBytes,
  type DType,
  type Tensor,
  type TensorData,
} from '@collabopt/core';
import { ONNX_DTYPE, toNumber, type TensorProto } from './types';

const TO_ONNX: Readonly<Record<DType, number>> = {
  float32: ONNX_DTYPE.FLOAT,
  float16: ONNX_DTYPE.FLOAT16,
  int8: ONNX_DTYPE.INT8,
  uint8: ONNX_DTYPE.UINT8,
  int16: ONNX_DTYPE.INT16,
  int32: ONNX_DTYPE.INT32,
  int64: ONNX_DTYPE.INT64,
  bool: ONNX_DTYPE.BOOL,
};

/** ONNX data type number of a core dtype. */
export function onnxDataType(dtype: DType): number {
  return TO_ONNX[dtype];
}

/** Core dtype of an ONNX data type (double is narrowed to float32); undefined when unsupported. */
export function coreDType(dataType: number): DType | undefined {
  switch (dataType) {
    case ONNX_DTYPE.FLOAT:
    case ONNX_DTYPE.DOUBLE:
      return 'float32';
    case ONNX_DTYPE.FLOAT16:
      return 'float16';
    case ONNX_DTYPE.INT8:
      return 'int8';
    case ONNX_DTYPE.UINT8:
      return 'uint8';
    case ONNX_DTYPE.INT16:
      return 'int16';
    case ONNX_DTYPE.INT32:
      return 'int32';
    case ONNX_DTYPE.INT64:
      return 'int64';
    case ONNX_DTYPE.BOOL:
      return 'bool';
    default:
      return undefined;
  }
}

/** A TensorProto holding `t` as little-endian raw_data. */
export function toTensorProto(name: string, t: Tensor): TensorProto {
  return {
    name,
    dims: [...t.shape],
    dataType: onnxDataType(t.dtype),
    rawData: tensorBytes(t).slice(),
  };
}

/** The largest tensor (in elements) a reader accepts; guards against absurd dims in corrupt files. */
export const MAX_TENSOR_ELEMENTS = 2 ** 31 - 1;

/** Dims of a TensorProto, validated (non-negative integers, bounded element count). */
export function tensorDims(proto: TensorProto, where: { file?: string; field?: string }): number[] {
  const dims = (proto.dims ?? []).map(toNumber);
  let n = 1;
  for (const d of dims) {
    if (!Number.isSafeInteger(d) || d < 0)
      throw new FormatError(`tensor has an invalid dimension ${d}`, where, 'ONNX_BAD_TENSOR');
    n *= d;
  }
  if (n > MAX_TENSOR_ELEMENTS)
    throw new FormatError(
      `tensor has ${n} elements, more than supported`,
      where,
      'ONNX_BAD_TENSOR',
    );
  return dims;
}

/**
 * Decode a TensorProto into a core tensor. `external` supplies the bytes of tensors stored in
 * external data files (already read by the caller).
 */
export function fromTensorProto(
  proto: TensorProto,
  where: { file?: string; field?: string },
  external?: Uint8Array,
): Tensor {
  const dataType = proto.dataType ?? 0;
  const dtype = coreDType(dataType);
  if (dtype === undefined) {
    throw new UnsupportedError(
      `tensor "${proto.name ?? ''}" has ONNX data type ${dataType}, which collabopt does not support`,
      where,
      'ONNX_UNSUPPORTED_DTYPE',
    );
  }
  const shape = tensorDims(proto, where);
  const n = shape.reduce((a, b) => a * b, 1);
  const raw = external ?? (proto.rawData && proto.rawData.length > 0 ? proto.rawData : undefined);
  const bad = (what: string): never => {
    throw new FormatError(`tensor "${proto.name ?? ''}": ${what}`, where, 'ONNX_BAD_TENSOR');
  };
  if (raw !== undefined) {
    const elemBytes =
      dataType === ONNX_DTYPE.DOUBLE
        ? 8
        : { float32: 4, float16: 2, int8: 1, uint8: 1, int16: 2, int32: 4, int64: 8, bool: 1 }[
            dtype
          ];
    if (raw.length !== n * elemBytes)
      bad(`raw data has ${raw.length} bytes, shape [${shape.join(', ')}] needs ${n * elemBytes}`);
    const copy = new Uint8Array(raw).buffer; // aligned copy
    let data: TensorData;
    switch (dataType) {
      case ONNX_DTYPE.FLOAT:
        data = new Float32Array(copy);
        break;
      case ONNX_DTYPE.DOUBLE:
        data = Float32Array.from(new Float64Array(copy));
        break;
      case ONNX_DTYPE.FLOAT16:
        data = new Uint16Array(copy);
        break;
      case ONNX_DTYPE.INT8:
        data = new Int8Array(copy);
        break;
      case ONNX_DTYPE.UINT8:
      case ONNX_DTYPE.BOOL:
        data = new Uint8Array(copy);
        break;
      case ONNX_DTYPE.INT16:
        data = new Int16Array(copy);
        break;
      case ONNX_DTYPE.INT32:
        data = new Int32Array(copy);
        break;
      default:
        data = new BigInt64Array(copy);
    }
    return { dtype, shape, data };
  }
  const pick = (): ArrayLike<number> | undefined => {
    switch (dataType) {
      case ONNX_DTYPE.FLOAT:
        return proto.floatData;
      case ONNX_DTYPE.DOUBLE:
        return proto.doubleData;
      case ONNX_DTYPE.INT64:
        return proto.int64Data?.map(toNumber);
      default:
        return proto.int32Data; // int8/uint8/int16/int32/bool/float16 bits
    }
  };
  const values = pick() ?? [];
  if (values.length !== n)
    bad(`has ${values.length} values, shape [${shape.join(', ')}] needs ${n}`);
  let data: TensorData;
  switch (dtype) {
    case 'float32':
      data = Float32Array.from(values);
      break;
    case 'float16':
      data = Uint16Array.from(values);
      break;
    case 'int8':
      data = Int8Array.from(values);
      break;
    case 'uint8':
    case 'bool':
      data = Uint8Array.from(values);
      break;
    case 'int16':
      data = Int16Array.from(values);
      break;
    case 'int32':
      data = Int32Array.from(values);
      break;
    default:
      data = BigInt64Array.from(Array.from(values, (v) => BigInt(Math.trunc(v))));
  }
  return { dtype, shape, data };
}

/** Numbers of any tensor (int64 converted, float16 left as bits: callers check dtype). */
export function tensorNumbers(t: Tensor): number[] {
  return Array.from(t.data as ArrayLike<number | bigint>, (v) => Number(v));
}
