import { DataError } from './data-error';

/** Element type of a stored array (npy descriptors and idx element types map onto these). */
export interface ArrayDType {
  readonly kind: 'f' | 'i' | 'u' | 'b';
  readonly bytes: 1 | 2 | 4 | 8;
  readonly littleEndian: boolean;
  /** Text for messages, e.g. `<f4`. */
  readonly descr: string;
}

/** Parse a numpy dtype descriptor (`<f4`, `|u1`, `>i8`, `|b1`, …). */
export function parseNumpyDType(descr: string, file?: string): ArrayDType {
  const m = /^([<>|=])([fiub])([1248])$/.exec(descr);
  const loc = file !== undefined ? { file } : {};
  if (m === null)
    throw new DataError(
      'DATA_UNSUPPORTED',
      `unsupported array dtype "${descr}" (numeric little/big-endian f2..f8, i1..i8, u1..u8, b1 are read)`,
      loc,
    );
  const kind = m[2] as ArrayDType['kind'];
  const bytes = Number(m[3]) as ArrayDType['bytes'];
  if (kind === 'f' && bytes === 1)
    throw new DataError('DATA_UNSUPPORTED', `unsupported array dtype "${descr}"`, loc);
  return { kind, bytes, littleEndian: m[1] !== '>', descr };
}

function halfToFloat(h: number): number {
  const s = h & 0x8000 ? -1 : 1;
  const e = (h >> 10) & 0x1f;
  const f = h & 0x3ff;
  if (e === 0) return s * f * 2 ** -24;
  if (e === 31) return f === 0 ? s * Infinity : NaN;
  return s * (1 + f / 1024) * 2 ** (e - 15);
}

/** Decode `count` elements of `dtype` from `bytes` into `out` (as float32) from `outOffset`. */
export function decodeElements(
  bytes: Uint8Array,
  dtype: ArrayDType,
  count: number,
  out: Float32Array | Int32Array,
  outOffset = 0,
): void {
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const le = dtype.littleEndian;
  const b = dtype.bytes;
  const get: (o: number) => number =
    dtype.kind === 'f'
      ? b === 2
        ? (o) => halfToFloat(view.getUint16(o, le))
        : b === 4
          ? (o) => view.getFloat32(o, le)
          : (o) => view.getFloat64(o, le)
      : dtype.kind === 'u' || dtype.kind === 'b'
        ? b === 1
          ? (o) => view.getUint8(o)
          : b === 2
            ? (o) => view.getUint16(o, le)
            : b === 4
              ? (o) => view.getUint32(o, le)
              : (o) => Number(view.getBigUint64(o, le))
        : b === 1
          ? (o) => view.getInt8(o)
          : b === 2
            ? (o) => view.getInt16(o, le)
            : b === 4
              ? (o) => view.getInt32(o, le)
              : (o) => Number(view.getBigInt64(o, le));
  if (
    dtype.kind === 'f' &&
    b === 4 &&
    le &&
    out instanceof Float32Array &&
    bytes.byteOffset % 4 === 0
  ) {
    out.set(new Float32Array(bytes.buffer, bytes.byteOffset, count), outOffset);
    return;
  }
  if (b === 1 && dtype.kind !== 'i') {
    for (let i = 0; i < count; i++) out[outOffset + i] = bytes[i]!;
    return;
  }
  for (let i = 0; i < count; i++) out[outOffset + i] = get(i * b);
}
