import { DataError } from './data-error';
import { parseNumpyDType, type ArrayDType } from './array-dtype';

/** The header of a `.npy` array: element type, shape and where the data starts. */
export interface NpyHeader {
  readonly dtype: ArrayDType;
  readonly shape: readonly number[];
  /** Byte offset of the first element from the start of the npy bytes. */
  readonly dataOffset: number;
}

const MAGIC = [0x93, 0x4e, 0x55, 0x4d, 0x50, 0x59]; // \x93NUMPY

/** Bytes needed to be sure the header is complete (npy headers are padded to 64 bytes; v1 ≤ 65 KiB). */
export const NPY_HEADER_PROBE_BYTES = 10;

/**
 * Parse a `.npy` header from the first bytes of the file (`head` must hold the whole header:
 * read `npyHeaderLength` bytes first). Fortran order and structured dtypes are refused.
 */
export function parseNpyHeader(head: Uint8Array, file?: string): NpyHeader {
  const loc = file !== undefined ? { file } : {};
  if (head.length < 10 || MAGIC.some((b, i) => head[i] !== b))
    throw new DataError('DATA_UNREADABLE', 'not a .npy array (bad magic)', loc);
  const total = npyHeaderLength(head, file);
  if (head.length < total)
    throw new DataError('DATA_UNREADABLE', 'the .npy header is truncated', loc);
  const start = head[6]! === 1 ? 10 : 12;
  const text = new TextDecoder('latin1').decode(head.subarray(start, total));
  const descr = /'descr'\s*:\s*'([^']*)'/.exec(text)?.[1];
  const fortran = /'fortran_order'\s*:\s*(True|False)/.exec(text)?.[1];
  const shapeText = /'shape'\s*:\s*\(([^)]*)\)/.exec(text)?.[1];
  if (descr === undefined || fortran === undefined || shapeText === undefined)
    throw new DataError('DATA_UNREADABLE', `cannot parse the .npy header "${text.trim()}"`, loc);
  if (fortran === 'True')
    throw new DataError(
      'DATA_UNSUPPORTED',
      'Fortran-order .npy arrays are not read; save with np.ascontiguousarray',
      loc,
    );
  const shape = shapeText
    .split(',')
    .map((s) => s.trim())
    .filter((s) => s !== '')
    .map((s) => {
      const n = Number(s.replace(/L$/, ''));
      if (!Number.isInteger(n) || n < 0)
        throw new DataError('DATA_UNREADABLE', `bad .npy shape (${shapeText})`, loc);
      return n;
    });
  return { dtype: parseNumpyDType(descr, file), shape, dataOffset: total };
}

/** Total header length (magic, version, length field and dictionary) from the first 12 bytes. */
export function npyHeaderLength(head: Uint8Array, file?: string): number {
  const loc = file !== undefined ? { file } : {};
  if (head.length < 10 || MAGIC.some((b, i) => head[i] !== b))
    throw new DataError('DATA_UNREADABLE', 'not a .npy array (bad magic)', loc);
  const view = new DataView(head.buffer, head.byteOffset, head.byteLength);
  const major = head[6]!;
  if (major === 1) return 10 + view.getUint16(8, true);
  if ((major === 2 || major === 3) && head.length >= 12) return 12 + view.getUint32(8, true);
  throw new DataError('DATA_UNSUPPORTED', `unsupported .npy version ${major}`, loc);
}
