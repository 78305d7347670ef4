import { open } from 'node:fs/promises';
import { DataError } from './data-error';
import type { ArrayDType } from './array-dtype';
import { inflateToTemporaryFile, type StoredArray } from './stored-array';

const IDX_TYPES: Record<number, ArrayDType> = {
  0x08: { kind: 'u', bytes: 1, littleEndian: false, descr: 'uint8' },
  0x09: { kind: 'i', bytes: 1, littleEndian: false, descr: 'int8' },
  0x0b: { kind: 'i', bytes: 2, littleEndian: false, descr: '>i2' },
  0x0c: { kind: 'i', bytes: 4, littleEndian: false, descr: '>i4' },
  0x0d: { kind: 'f', bytes: 4, littleEndian: false, descr: '>f4' },
  0x0e: { kind: 'f', bytes: 8, littleEndian: false, descr: '>f8' },
};

/**
 * An idx file (MNIST format, plain or gzip) as a stored array read row by row; a gzip file is
 * first decompressed to a temporary file by streaming (bounded memory).
 */
export async function openIdxFile(file: string): Promise<StoredArray> {
  let head: Buffer;
  try {
    const fh = await open(file, 'r');
    try {
      head = Buffer.alloc(4);
      await fh.read(head, 0, 4, 0);
    } finally {
      await fh.close();
    }
  } catch (e) {
    throw new DataError(
      'DATA_UNREADABLE',
      `cannot read: ${e instanceof Error ? e.message : String(e)}`,
      { file },
    );
  }
  const path =
    head[0] === 0x1f && head[1] === 0x8b
      ? await inflateToTemporaryFile(file, 0, undefined, 'gzip', file)
      : file;
  const fh = await open(path, 'r');
  try {
    const magic = Buffer.alloc(4);
    await fh.read(magic, 0, 4, 0);
    const dtype = IDX_TYPES[magic[2]!];
    if (magic[0] !== 0 || magic[1] !== 0 || dtype === undefined)
      throw new DataError('DATA_UNREADABLE', 'not an idx file (bad magic)', { file });
    const rank = magic[3]!;
    const dims = Buffer.alloc(4 * rank);
    const { bytesRead } = await fh.read(dims, 0, dims.length, 4);
    if (bytesRead !== dims.length)
      throw new DataError('DATA_UNREADABLE', 'idx header is truncated', { file });
    const shape = Array.from({ length: rank }, (_, i) => dims.readUInt32BE(4 * i));
    const size = (await fh.stat()).size;
    const need = 4 + 4 * rank + shape.reduce((a, b) => a * b, 1) * dtype.bytes;
    if (size !== need)
      throw new DataError(
        'DATA_UNREADABLE',
        `idx data has ${size - 4 - 4 * rank} bytes, shape [${shape.join(', ')}] needs ${need - 4 - 4 * rank}`,
        { file },
      );
    return { file: path, origin: file, offset: 4 + 4 * rank, dtype, shape };
  } finally {
    await fh.close();
  }
}
