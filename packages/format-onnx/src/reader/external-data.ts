/** Loading of initializers stored outside the .onnx file (ONNX external data). */
import { type ErrorLocation, FormatError } from '@collabopt/core';
import { type TensorProto } from '../proto/types';
import { type ReadOnnxOptions } from './read-onnx';

export async function loadExternal(
  t: TensorProto,
  options: ReadOnnxOptions,
  cache: Map<string, Uint8Array>,
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
  if (!options.readRelated) {
    throw new FormatError(
      `tensor "${t.name ?? ''}" is stored in external file "${location}"; read the model from a file (readModel) or pass readRelated`,
      where,
      'ONNX_EXTERNAL_DATA_UNAVAILABLE',
    );
  }
  let data = cache.get(location);
  if (data === undefined) {
    data = await options.readRelated(location);
    cache.set(location, data);
  }
  const offset = Number(entries.get('offset') ?? '0');
  const length = entries.has('length') ? Number(entries.get('length')) : data.length - offset;
  if (
    !Number.isSafeInteger(offset) ||
    !Number.isSafeInteger(length) ||
    offset < 0 ||
    length < 0 ||
    offset + length > data.length
  ) {
    throw new FormatError(
      `tensor "${t.name ?? ''}": external range ${offset}+${length} exceeds "${location}" (${data.length} bytes)`,
      where,
      'ONNX_BAD_EXTERNAL_DATA',
    );
  }
  return data.subarray(offset, offset + length);
}
