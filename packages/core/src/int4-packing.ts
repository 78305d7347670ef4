/**
 * 4-bit tensors (TFLite INT4, ONNX INT4/UINT4) store two values per byte: element 2i in the low
 * nibble, element 2i + 1 in the high nibble, an odd last element with a zero high nibble. Signed
 * values are two's complement. Per-channel scales do not change the packing: it runs over the
 * flat data in the file's layout.
 */

/** Pack int4 values (each in [−8, 7]) two per byte. */
export function packInt4(values: Int8Array): Uint8Array {
  const out = new Uint8Array(Math.ceil(values.length / 2));
  for (let i = 0; i < values.length; i++) {
    const v = values[i]!;
    if (v < -8 || v > 7) throw new RangeError(`value ${v} at ${i} is outside int4 [−8, 7]`);
    out[i >> 1]! |= (v & 0x0f) << ((i & 1) * 4);
  }
  return out;
}

/** Unpack `count` int4 values (sign-extended) from packed bytes. */
export function unpackInt4(packed: ArrayLike<number>, count: number): Int8Array {
  const out = new Int8Array(count);
  unpackNibbles(packed, count, (i, nibble) => (out[i] = nibble >= 8 ? nibble - 16 : nibble));
  return out;
}

/** Unpack `count` uint4 values (each in [0, 15]) from packed bytes. */
export function unpackUint4(packed: ArrayLike<number>, count: number): Uint8Array {
  const out = new Uint8Array(count);
  unpackNibbles(packed, count, (i, nibble) => (out[i] = nibble));
  return out;
}

function unpackNibbles(
  packed: ArrayLike<number>,
  count: number,
  put: (i: number, nibble: number) => void,
): void {
  if (packed.length < Math.ceil(count / 2))
    throw new RangeError(`${packed.length} bytes hold fewer than ${count} 4-bit values`);
  for (let i = 0; i < count; i++) put(i, (packed[i >> 1]! >> ((i & 1) * 4)) & 0x0f);
}
