/**
 * Loading tensors stored in ONNX external data files. Only the byte range a tensor names is read,
 * through the caller's `readRelated` (which, for files, is core's guarded file access: regular
 * files inside the model folder only, size checked before reading).
 */
import { FormatError, type ByteRange, type ErrorLocation } from '@collabopt/core';
import { tensorDims } from '../proto/tensor-proto';
import { ONNX_DTYPE, type TensorProto } from '../proto/types';

/** Reads (a byte range of) a file referenced by the model, relative to the model file. */
export type RelatedReader = (relativePath: string, range?: ByteRange) => Promise<Uint8Array>;

/** Bytes per element of an ONNX data type as stored raw (undefined for unsupported types). */
function rawElementBytes(dataType: number): number | undefined {
  switch (dataType) {
    case ONNX_DTYPE.DOUBLE:
    case ONNX_DTYPE.INT64:
      return 8;
    case ONNX_DTYPE.FLOAT:
    case ONNX_DTYPE.INT32:
      return 4;
    case ONNX_DTYPE.FLOAT16:
    case ONNX_DTYPE.INT16:
      return 2;
    case ONNX_DTYPE.INT8:
    case ONNX_DTYPE.UINT8:
    case ONNX_DTYPE.BOOL:
      return 1;
    default:
      return undefined;
  }
}

function rangeNumber(
  value: string | undefined,
  what: string,
  t: TensorProto,
  where: ErrorLocation,
): number | undefined {
  if (value === undefined) return undefined;
  const n = Number(value);
  if (!Number.isSafeInteger(n) || n < 0 || value.trim() === '')
    throw new FormatError(
      `tensor "${t.name ?? ''}": external data ${what} "${value}" is not a byte count`,
      where,
      'ONNX_BAD_EXTERNAL_DATA',
    );
  return n;
}

/**
 * The raw bytes of an external tensor (undefined when the tensor is stored inline). Reads exactly
 * `offset`/`length` of the named file, at most the bytes the tensor's shape needs.
 */
export async function loadExternalTensorBytes(
  t: TensorProto,
  readRelated: RelatedReader | undefined,
  where: ErrorLocation,
): Promise<Uint8Array | undefined> {
  if (t.dataLocation !== 1) return undefined;
  const entries = new Map((t.externalData ?? []).map((e) => [e.key ?? '', e.value ?? '']));
  const location = entries.get('location');
  if (!location)
    throw new FormatError(
      `tensor "${t.name ?? ''}" is external but names no location`,
      where,
      'ONNX_BAD_EXTERNAL_DATA',
    );
  if (!readRelated) {
    throw new FormatError(
      `tensor "${t.name ?? ''}" is stored in external file "${location}"; read the model from a file (readModel) or pass readRelated`,
      where,
      'ONNX_EXTERNAL_DATA_UNAVAILABLE',
    );
  }
  const offset = rangeNumber(entries.get('offset'), 'offset', t, where) ?? 0;
  const length = rangeNumber(entries.get('length'), 'length', t, where);
  const elements = tensorDims(t, where).reduce((a, b) => a * b, 1);
  const needed = elements * (rawElementBytes(t.dataType ?? 0) ?? 8);
  if (length !== undefined && length !== needed)
    throw new FormatError(
      `tensor "${t.name ?? ''}": external range of ${length} bytes in "${location}", its shape needs ${needed}`,
      where,
      'ONNX_BAD_EXTERNAL_DATA',
    );
  let bytes: Uint8Array;
  try {
    bytes = await readRelated(location, { offset, length: needed, maxBytes: needed });
  } catch (e) {
    if (e instanceof FormatError && (e.code === 'FILE_TOO_SHORT' || e.code === 'FILE_BAD_RANGE'))
      throw new FormatError(
        `tensor "${t.name ?? ''}": external range ${offset}+${needed} exceeds "${location}" (${e.detail})`,
        where,
        'ONNX_BAD_EXTERNAL_DATA',
      );
    throw e;
  }
  if (bytes.length === needed) return bytes;
  // A reader that ignores the range returned the whole file: take the tensor's bytes from it.
  if (bytes.length >= offset + needed) return bytes.subarray(offset, offset + needed);
  throw new FormatError(
    `tensor "${t.name ?? ''}": external range ${offset}+${needed} exceeds "${location}" (${bytes.length} bytes)`,
    where,
    'ONNX_BAD_EXTERNAL_DATA',
  );
}
