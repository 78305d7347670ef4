import { createReadStream, createWriteStream, mkdtempSync, rmSync } from 'node:fs';
import { open, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pipeline } from 'node:stream/promises';
import { createGunzip, createInflateRaw } from 'node:zlib';
import { sizeOf } from '@collabopt/core';
import { decodeElements, type ArrayDType } from './array-dtype';
import { DataError } from './data-error';
import { npyHeaderLength, parseNpyHeader } from './npy';

/** A row-major array stored in a file at `offset`, read row by row (first axis = samples). */
export interface StoredArray {
  /** The file that is read (a temporary file when the array was compressed). */
  readonly file: string;
  /** What the user named (file, or file and archive member), for messages. */
  readonly origin: string;
  readonly offset: number;
  readonly dtype: ArrayDType;
  readonly shape: readonly number[];
}

function unreadable(origin: string, e: unknown): DataError {
  return new DataError(
    'DATA_UNREADABLE',
    `cannot read: ${e instanceof Error ? e.message : String(e)}`,
    { file: origin },
  );
}

/** Rows `indices` of `a`, decoded to float32 (consecutive indices are read in one go). */
export async function readRows(a: StoredArray, indices: ArrayLike<number>): Promise<Float32Array> {
  const rowElems = sizeOf(a.shape.slice(1));
  const rowBytes = rowElems * a.dtype.bytes;
  const out = new Float32Array(indices.length * rowElems);
  let fh;
  try {
    fh = await open(a.file, 'r');
  } catch (e) {
    throw unreadable(a.origin, e);
  }
  try {
    for (let i = 0; i < indices.length;) {
      let run = 1;
      while (i + run < indices.length && indices[i + run] === indices[i]! + run) run++;
      const buf = Buffer.alloc(run * rowBytes);
      const { bytesRead } = await fh.read(buf, 0, buf.length, a.offset + indices[i]! * rowBytes);
      if (bytesRead !== buf.length)
        throw new DataError('DATA_UNREADABLE', `the array is truncated at row ${indices[i]}`, {
          file: a.origin,
        });
      decodeElements(buf, a.dtype, run * rowElems, out, i * rowElems);
      i += run;
    }
  } finally {
    await fh.close();
  }
  return out;
}

/** The whole array as int32 (labels), checking that every value is an integer. */
export async function readAllIntegers(a: StoredArray): Promise<Int32Array> {
  const n = sizeOf(a.shape);
  const rows = a.shape[0] ?? 1;
  const flat = await readRows(
    { ...a, shape: [rows, n / Math.max(rows, 1)] },
    Array.from({ length: rows }, (_, i) => i),
  );
  const out = new Int32Array(n);
  for (let i = 0; i < n; i++) {
    const v = flat[i]!;
    if (!Number.isInteger(v))
      throw new DataError('DATA_LABELS', `label ${v} at position ${i} is not an integer`, {
        file: a.origin,
      });
    out[i] = v;
  }
  return out;
}

/** Check the file is long enough for the array. */
async function checkLength(a: StoredArray): Promise<void> {
  let size: number;
  try {
    size = (await stat(a.file)).size;
  } catch (e) {
    throw unreadable(a.origin, e);
  }
  const need = a.offset + sizeOf(a.shape) * a.dtype.bytes;
  if (size < need)
    throw new DataError(
      'DATA_UNREADABLE',
      `array [${a.shape.join(', ')}] of ${a.dtype.descr} needs ${need - a.offset} bytes, the file holds ${size - a.offset}`,
      { file: a.origin },
    );
}

/** The array of a `.npy` stored in `file` at `offset` (a whole `.npy` file, or a stored npz member). */
export async function openNpyAt(
  file: string,
  offset: number,
  origin: string,
): Promise<StoredArray> {
  let head: Buffer;
  try {
    const fh = await open(file, 'r');
    try {
      const probe = Buffer.alloc(12);
      await fh.read(probe, 0, 12, offset);
      const length = npyHeaderLength(probe, origin);
      head = Buffer.alloc(length);
      await fh.read(head, 0, length, offset);
    } finally {
      await fh.close();
    }
  } catch (e) {
    if (e instanceof DataError) throw e;
    throw unreadable(origin, e);
  }
  const h = parseNpyHeader(head, origin);
  const a: StoredArray = {
    file,
    origin,
    offset: offset + h.dataOffset,
    dtype: h.dtype,
    shape: h.shape,
  };
  await checkLength(a);
  return a;
}

let tempDir: string | undefined;

/** A private temporary folder, removed when the process exits. */
function temporaryFolder(): string {
  if (tempDir === undefined) {
    tempDir = mkdtempSync(join(tmpdir(), 'collabopt-data-'));
    const dir = tempDir;
    process.once('exit', () => rmSync(dir, { recursive: true, force: true }));
  }
  return tempDir;
}

/**
 * Remove the temporary files of decompressed arrays now (they are removed at process exit
 * anyway; test runners whose workers never see `exit` call this). Sources opened before must not
 * be read afterwards.
 */
export function removeTemporaryDataFiles(): void {
  if (tempDir !== undefined) rmSync(tempDir, { recursive: true, force: true });
  tempDir = undefined;
}

let tempCounter = 0;

/**
 * Decompress `length` bytes of `file` from `offset` (raw deflate or gzip) into a temporary file,
 * streaming, so a compressed data set larger than memory can then be read row by row.
 */
export async function inflateToTemporaryFile(
  file: string,
  offset: number,
  length: number | undefined,
  kind: 'deflate' | 'gzip',
  origin: string,
): Promise<string> {
  const target = join(temporaryFolder(), `${tempCounter++}.bin`);
  try {
    await pipeline(
      createReadStream(file, {
        start: offset,
        ...(length !== undefined ? { end: offset + length - 1 } : {}),
      }),
      kind === 'gzip' ? createGunzip() : createInflateRaw(),
      createWriteStream(target),
    );
  } catch (e) {
    rmSync(target, { force: true });
    throw unreadable(origin, e);
  }
  return target;
}
