import type { ModelFile } from '@collabopt/core';
import type { TensorProto } from '../proto/types';

/** Largest external data file written (several files are used beyond it). */
export const EXTERNAL_FILE_LIMIT = 2 ** 30;
const ALIGN = 64;

/**
 * Move the raw data of every initializer to external data files named after the model
 * (`model.onnx.data`, `model.onnx.data.1`, …), as the ONNX external-data convention describes:
 * `data_location = EXTERNAL` with `location`, `offset` and `length` entries. Mutates the protos.
 */
export function moveToExternalData(
  initializers: TensorProto[],
  fileName: string,
  fileLimit = EXTERNAL_FILE_LIMIT,
): ModelFile[] {
  const groups: { path: string; parts: { offset: number; bytes: Uint8Array }[]; size: number }[] =
    [];
  const base = fileName.replace(/^.*[\\/]/, '');
  for (const t of initializers) {
    const raw = t.rawData;
    if (raw === undefined || raw.length === 0) continue;
    let g = groups[groups.length - 1];
    const aligned = g === undefined ? 0 : Math.ceil(g.size / ALIGN) * ALIGN;
    if (g === undefined || (aligned + raw.length > fileLimit && g.parts.length > 0)) {
      g = {
        path: groups.length === 0 ? `${base}.data` : `${base}.data.${groups.length}`,
        parts: [],
        size: 0,
      };
      groups.push(g);
    }
    const offset = Math.ceil(g.size / ALIGN) * ALIGN;
    g.parts.push({ offset, bytes: raw });
    g.size = offset + raw.length;
    t.externalData = [
      { key: 'location', value: g.path },
      { key: 'offset', value: String(offset) },
      { key: 'length', value: String(raw.length) },
    ];
    t.dataLocation = 1;
    delete t.rawData;
  }
  return groups.map((g) => {
    const bytes = new Uint8Array(g.size);
    for (const p of g.parts) bytes.set(p.bytes, p.offset);
    return { path: g.path, bytes };
  });
}
