/**
 * ONNX INT4 / UINT4 tensors (opset 21 QDQ weights and zero points). Both storages of the ONNX IR
 * are read: raw_data packs two elements per byte, the first in the low nibble; int32_data holds the
 * same packed bytes, one per entry ("for 4-bit data types, each int32_data stores two elements").
 * An odd element count leaves the last high nibble unused. The constant keeps its 4-bit origin
 * (`bits: 4`) so the QDQ import annotates the weight with `bits = 4`.
 */
import { FormatError, unpackInt4, unpackUint4, type ErrorLocation } from '@collabopt/core';
import { ONNX_DTYPE, type TensorProto } from '../proto/types';
import { tensorDims } from '../proto/tensor-proto';
import type { Const } from './fold';

/** Whether a TensorProto is INT4 or UINT4. */
export function isFourBitTensor(proto: TensorProto): boolean {
  return proto.dataType === ONNX_DTYPE.INT4 || proto.dataType === ONNX_DTYPE.UINT4;
}

/** The constant of an INT4 (→ int8 codes) or UINT4 (→ uint8 codes) TensorProto. */
export function fourBitConst(
  proto: TensorProto,
  where: ErrorLocation & { field?: string },
  external?: Uint8Array,
): Const {
  const signed = proto.dataType === ONNX_DTYPE.INT4;
  const kind = signed ? 'INT4' : 'UINT4';
  const shape = tensorDims(proto, where);
  const n = shape.reduce((a, b) => a * b, 1);
  const bytes = Math.ceil(n / 2);
  const bad = (what: string): never => {
    throw new FormatError(
      `${kind} tensor "${proto.name ?? ''}": ${what}`,
      where,
      'ONNX_BAD_TENSOR',
    );
  };
  const raw = external ?? (proto.rawData && proto.rawData.length > 0 ? proto.rawData : undefined);
  let packed: ArrayLike<number>;
  if (raw !== undefined) {
    if (raw.length !== bytes)
      bad(`raw data has ${raw.length} bytes, shape [${shape.join(', ')}] needs ${bytes}`);
    packed = raw;
  } else {
    const words = proto.int32Data ?? [];
    if (words.length !== bytes)
      bad(
        `has ${words.length} int32_data entries, shape [${shape.join(', ')}] needs ${bytes} (two elements each)`,
      );
    const i = words.findIndex((w) => !(Number.isInteger(w) && w >= 0 && w <= 255));
    if (i >= 0) bad(`int32_data entry ${i} (${words[i]}) is not one packed byte`);
    packed = words;
  }
  const codes = signed ? unpackInt4(packed, n) : unpackUint4(packed, n);
  return { dtype: signed ? 'int8' : 'uint8', shape, values: Float64Array.from(codes), bits: 4 };
}
