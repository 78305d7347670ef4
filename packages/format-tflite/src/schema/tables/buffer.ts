import type { Builder } from 'flatbuffers';
import { unsupportedFeature } from '../../errors';
import type { FlatTable } from '../flat-reader';
import { byteVector } from './vectors';

const EMPTY = new Uint8Array(0);

/** Buffer: 0 data ([ubyte], force_align 16), 1 offset, 2 size (only for > 2 GB models). */
export function readBuffer(t: FlatTable, index: number): Uint8Array {
  if (t.u64(1, 0n) > 1n || t.u64(2, 0n) > 0n) {
    throw unsupportedFeature(
      `buffer ${index} is stored outside the flatbuffer (models over 2 GB are not supported)`,
      {
        ...(t.view.file !== undefined ? { file: t.view.file } : {}),
        position: t.pos,
      },
    );
  }
  return t.bytes(0, `buffer ${index} data`) ?? EMPTY;
}

export function buildBuffer(b: Builder, data: Uint8Array): number {
  const vec = data.length > 0 ? byteVector(b, data, 16) : 0;
  b.startObject(1);
  b.addFieldOffset(0, vec, 0);
  return b.endObject();
}
