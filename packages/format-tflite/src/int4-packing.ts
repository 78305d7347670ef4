/**
 * TFLite INT4 tensors store two signed 4-bit values per byte: element 2i in the low nibble,
 * element 2i + 1 in the high nibble (two's complement), an odd last element with a zero high
 * nibble. Per-channel scales do not change the packing: it runs over the flat TFLite-layout data.
 */

/** Pack int4 values (each in [−8, 7]) two per byte. */
export function packInt4(values: Int8Array): Uint8Array {
  const out = new Uint8Array(Math.ceil(values.length / 2));
  for (let i = 0; i < values.length; i++) {
    const v = values[i]!;
    if (v < -8 || v > 7)
      throw new RangeError(`value ${v} at ${i} is outside the int4 range [−8, 7]`);
    out[i >> 1]! |= (v & 0x0f) << ((i & 1) * 4);
  }
  return out;
}

/** Unpack `count` int4 values (sign-extended) from packed bytes. */
export function unpackInt4(packed: Uint8Array, count: number): Int8Array {
  if (packed.length < Math.ceil(count / 2))
    throw new RangeError(`${packed.length} bytes hold fewer than ${count} int4 values`);
  const out = new Int8Array(count);
  for (let i = 0; i < count; i++) {
    const nibble = (packed[i >> 1]! >> ((i & 1) * 4)) & 0x0f;
    out[i] = nibble >= 8 ? nibble - 16 : nibble;
  }
  return out;
}
