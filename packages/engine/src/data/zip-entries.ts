import type { FileHandle } from 'node:fs/promises';
import { DataError } from './data-error';

/** One member of a zip archive (as written by numpy's `savez`/`savez_compressed`). */
export interface ZipEntry {
  readonly name: string;
  /** 0 stored, 8 deflated. */
  readonly method: number;
  readonly compressedSize: number;
  readonly size: number;
  /** Offset of the member's (possibly compressed) bytes in the archive. */
  readonly dataOffset: number;
}

async function readAt(fh: FileHandle, position: number, length: number): Promise<Buffer> {
  const buf = Buffer.alloc(length);
  const { bytesRead } = await fh.read(buf, 0, length, position);
  return buf.subarray(0, bytesRead);
}

/**
 * The members of a zip archive, from its central directory (zip64 included); only the directory
 * and the local headers are read, never the members' data.
 */
export async function readZipEntries(fh: FileHandle, file: string): Promise<ZipEntry[]> {
  const size = (await fh.stat()).size;
  const tailLength = Math.min(size, 22 + 0xffff + 20);
  const tail = await readAt(fh, size - tailLength, tailLength);
  let eocd = -1;
  for (let i = tail.length - 22; i >= 0; i--)
    if (tail.readUInt32LE(i) === 0x06054b50) {
      eocd = i;
      break;
    }
  if (eocd < 0) throw new DataError('DATA_UNREADABLE', 'not a zip (.npz) archive', { file });
  let entries = tail.readUInt16LE(eocd + 10);
  let cdSize = tail.readUInt32LE(eocd + 12);
  let cdOffset = tail.readUInt32LE(eocd + 16);
  if (entries === 0xffff || cdSize === 0xffffffff || cdOffset === 0xffffffff) {
    const loc = eocd - 20;
    if (loc < 0 || tail.readUInt32LE(loc) !== 0x07064b50)
      throw new DataError('DATA_UNREADABLE', 'zip64 locator missing', { file });
    const z64 = await readAt(fh, Number(tail.readBigUInt64LE(loc + 8)), 56);
    if (z64.readUInt32LE(0) !== 0x06064b50)
      throw new DataError('DATA_UNREADABLE', 'bad zip64 end record', { file });
    entries = Number(z64.readBigUInt64LE(32));
    cdSize = Number(z64.readBigUInt64LE(40));
    cdOffset = Number(z64.readBigUInt64LE(48));
  }
  const cd = await readAt(fh, cdOffset, cdSize);
  const out: ZipEntry[] = [];
  let p = 0;
  for (let e = 0; e < entries; e++) {
    if (p + 46 > cd.length || cd.readUInt32LE(p) !== 0x02014b50)
      throw new DataError('DATA_UNREADABLE', 'corrupt zip central directory', { file });
    const method = cd.readUInt16LE(p + 10);
    let compressedSize = cd.readUInt32LE(p + 20);
    let uncompressed = cd.readUInt32LE(p + 24);
    const nameLen = cd.readUInt16LE(p + 28);
    const extraLen = cd.readUInt16LE(p + 30);
    const commentLen = cd.readUInt16LE(p + 32);
    let localOffset = cd.readUInt32LE(p + 42);
    const name = cd.toString('utf8', p + 46, p + 46 + nameLen);
    // zip64 extended information: the 0xffffffff fields, in this order.
    for (let x = p + 46 + nameLen; x + 4 <= p + 46 + nameLen + extraLen;) {
      const id = cd.readUInt16LE(x);
      const len = cd.readUInt16LE(x + 2);
      if (id === 0x0001) {
        let q = x + 4;
        if (uncompressed === 0xffffffff) {
          uncompressed = Number(cd.readBigUInt64LE(q));
          q += 8;
        }
        if (compressedSize === 0xffffffff) {
          compressedSize = Number(cd.readBigUInt64LE(q));
          q += 8;
        }
        if (localOffset === 0xffffffff) localOffset = Number(cd.readBigUInt64LE(q));
      }
      x += 4 + len;
    }
    const local = await readAt(fh, localOffset, 30);
    if (local.length < 30 || local.readUInt32LE(0) !== 0x04034b50)
      throw new DataError('DATA_UNREADABLE', `corrupt zip local header of "${name}"`, { file });
    const dataOffset = localOffset + 30 + local.readUInt16LE(26) + local.readUInt16LE(28);
    if (method !== 0 && method !== 8)
      throw new DataError(
        'DATA_UNSUPPORTED',
        `zip member "${name}" uses compression method ${method} (stored and deflated are read)`,
        { file },
      );
    out.push({ name, method, compressedSize, size: uncompressed, dataOffset });
    p += 46 + nameLen + extraLen + commentLen;
  }
  return out;
}
