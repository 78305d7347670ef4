import type { Builder } from 'flatbuffers';

/** Vector builders shared by the table writers (flatbuffers builds back to front). */
export function int32Vector(b: Builder, values: readonly number[]): number {
  b.startVector(4, values.length, 4);
  for (let i = values.length - 1; i >= 0; i--) b.addInt32(values[i]!);
  return b.endVector();
}

export function float32Vector(b: Builder, values: ArrayLike<number>): number {
  b.startVector(4, values.length, 4);
  for (let i = values.length - 1; i >= 0; i--) b.addFloat32(values[i]!);
  return b.endVector();
}

export function int64Vector(b: Builder, values: readonly number[]): number {
  b.startVector(8, values.length, 8);
  for (let i = values.length - 1; i >= 0; i--) b.addInt64(BigInt(values[i]!));
  return b.endVector();
}

export function uint16Vector(b: Builder, values: readonly number[]): number {
  b.startVector(2, values.length, 4);
  for (let i = values.length - 1; i >= 0; i--) b.addInt16(values[i]!);
  return b.endVector();
}

/**
 * A byte vector whose first element is aligned to `alignment` (Buffer.data needs 16). `prep`
 * pads so that the position after the bytes is aligned (flatbuffers align from the buffer end, and
 * the finished buffer is padded to the largest alignment used); the bytes are then copied at once.
 */
export function byteVector(b: Builder, bytes: Uint8Array, alignment: number): number {
  b.prep(Math.max(4, alignment), bytes.length);
  return b.createByteVector(bytes);
}

export function offsetVector(b: Builder, offsets: readonly number[]): number {
  b.startVector(4, offsets.length, 4);
  for (let i = offsets.length - 1; i >= 0; i--) b.addOffset(offsets[i]!);
  return b.endVector();
}
