import { readFileSync } from 'node:fs';
import { gunzipSync } from 'node:zlib';
import { FormatError } from '@collabopt/core';

/** A parsed idx file (MNIST format): big-endian magic 0x0000TTRR, RR dims, then row-major data. */
export interface IdxArray {
  readonly shape: number[];
  readonly data: Uint8Array | Int8Array | Int16Array | Int32Array | Float32Array | Float64Array;
}

const TYPES: Record<number, { bytes: number; name: string }> = {
  0x08: { bytes: 1, name: 'uint8' },
  0x09: { bytes: 1, name: 'int8' },
  0x0b: { bytes: 2, name: 'int16' },
  0x0c: { bytes: 4, name: 'int32' },
  0x0d: { bytes: 4, name: 'float32' },
  0x0e: { bytes: 8, name: 'float64' },
};

/** Parse idx bytes (gzip-compressed or plain). */
export function parseIdx(bytes: Uint8Array, file?: string): IdxArray {
  const loc = file !== undefined ? { file } : {};
  let buf = bytes;
  if (buf.length >= 2 && buf[0] === 0x1f && buf[1] === 0x8b) buf = new Uint8Array(gunzipSync(buf));
  if (buf.length < 4 || buf[0] !== 0 || buf[1] !== 0)
    throw new FormatError('not an idx file (bad magic)', loc);
  const type = TYPES[buf[2]!];
  if (type === undefined)
    throw new FormatError(`unknown idx element type 0x${buf[2]!.toString(16)}`, loc);
  const rank = buf[3]!;
  const view = new DataView(buf.buffer, buf.byteOffset, buf.byteLength);
  if (buf.length < 4 + 4 * rank) throw new FormatError('idx header is truncated', loc);
  const shape: number[] = [];
  for (let i = 0; i < rank; i++) shape.push(view.getUint32(4 + 4 * i, false));
  const count = shape.reduce((a, b) => a * b, 1);
  const offset = 4 + 4 * rank;
  if (buf.length - offset !== count * type.bytes) {
    throw new FormatError(
      `idx data has ${buf.length - offset} bytes, shape [${shape.join(', ')}] needs ${count * type.bytes}`,
      loc,
    );
  }
  const read = (get: (o: number) => number, out: { [i: number]: number; length: number }): void => {
    for (let i = 0; i < count; i++) out[i] = get(offset + i * type.bytes);
  };
  switch (type.name) {
    case 'uint8':
      return { shape, data: buf.slice(offset) };
    case 'int8':
      return { shape, data: new Int8Array(buf.slice(offset).buffer) };
    case 'int16': {
      const d = new Int16Array(count);
      read((o) => view.getInt16(o, false), d);
      return { shape, data: d };
    }
    case 'int32': {
      const d = new Int32Array(count);
      read((o) => view.getInt32(o, false), d);
      return { shape, data: d };
    }
    case 'float32': {
      const d = new Float32Array(count);
      read((o) => view.getFloat32(o, false), d);
      return { shape, data: d };
    }
    default: {
      const d = new Float64Array(count);
      read((o) => view.getFloat64(o, false), d);
      return { shape, data: d };
    }
  }
}

export function readIdxFile(path: string): IdxArray {
  let bytes: Uint8Array;
  try {
    bytes = readFileSync(path);
  } catch (e) {
    throw new FormatError(`cannot read idx file: ${e instanceof Error ? e.message : String(e)}`, {
      file: path,
    });
  }
  return parseIdx(bytes, path);
}
