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
  const raw = new Uint8Array(Math.ceil(values.length / 2));
  for (let i = 0; i < values.length; i++) {
    const v = values[i]!;
    if (v < -8 || v > 7)
      throw new RangeError(`${name}: value ${v} at ${i} is outside int4 [−8, 7]`);
    raw[i >> 1]! |= (v & 0x0f) << ((i & 1) * 4);
  }
  return { name, dims: [...shape], dataType: ONNX_DTYPE.INT4, rawData: raw };
}
