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

/** A byte vector with the given alignment of its first element (Buffer.data needs 16). */
export function byteVector(b: Builder, bytes: Uint8Array, alignment: number): number {
  b.startVector(1, bytes.length, alignment);
  for (let i = bytes.length - 1; i >= 0; i--) b.addInt8(bytes[i]!);
  return b.endVector();
}

export function offsetVector(b: Builder, offsets: readonly number[]): number {
  b.startVector(4, offsets.length, 4);
  for (let i = offsets.length - 1; i >= 0; i--) b.addOffset(offsets[i]!);
  return b.endVector();
}
