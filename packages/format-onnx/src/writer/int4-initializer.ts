import { packInt4 } from '@collabopt/core';
import type { TensorProto } from '../proto/types';
import { ONNX_DTYPE } from '../proto/types';

/** The first default-domain opset whose QuantizeLinear/DequantizeLinear take INT4 tensors. */
export const INT4_MIN_OPSET = 21;

/**
 * An ONNX INT4 TensorProto: signed 4-bit values packed two per byte in raw_data, element 2i in
 * the low nibble and element 2i + 1 in the high nibble (two's complement), an odd last element
 * with a zero high nibble (ONNX IR "4-bit integer types").
 */
export function int4TensorProto(
  name: string,
  shape: readonly number[],
  values: Int8Array,
): TensorProto {
  let raw: Uint8Array;
  try {
    raw = packInt4(values);
  } catch (e) {
    throw new RangeError(`${name}: ${(e as Error).message}`);
  }
  return { name, dims: [...shape], dataType: ONNX_DTYPE.INT4, rawData: raw };
}
