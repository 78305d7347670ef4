import { DTYPE_BYTES, sizeOf, stridesOf, type Tensor } from '@collabopt/core';
import { invalid } from './errors';
import { DimensionType } from './schema/enums';
import type { TflSparsity } from './schema/model-types';

/**
 * TFLite sparse tensor encoding (SparsityParameters, tfmot-spec.md §6.1): traversal order, optional
 * block dimensions, and per traversed dimension either DENSE (a size) or SPARSE_CSR (segments +
 * indices). The buffer then holds only the stored values.
 */

export interface SparseEncoding {
  readonly sparsity: TflSparsity;
  /** Stored values (little-endian bytes of the tensor's element type). */
  readonly values: Uint8Array;
  /** Approximate bytes of values + index arrays in the file. */
  readonly byteEstimate: number;
}

function indexBytes(values: readonly number[]): number {
  const max = values.reduce((m, v) => Math.max(m, v), 0);
  return values.length * (max <= 0xff ? 1 : max <= 0xffff ? 2 : 4);
}

/**
 * Encode a constant (TFLite layout) with identity traversal, every dimension DENSE except the last,
 * which is SPARSE_CSR (the converter's element-wise scheme). Undefined for rank < 2 or no zeros.
 */
export function encodeSparse(t: Tensor): SparseEncoding | undefined {
  const shape = t.shape;
  if (shape.length < 2 || t.dtype === 'int64') return undefined;
  const data = t.data as ArrayLike<number>;
  const inner = shape[shape.length - 1]!;
  const rows = data.length / inner;
  const segments = [0];
  const indices: number[] = [];
  const keep: number[] = [];
  for (let r = 0; r < rows; r++) {
    for (let c = 0; c < inner; c++) {
      const i = r * inner + c;
      if (data[i] !== 0) {
        indices.push(c);
        keep.push(i);
      }
    }
    segments.push(indices.length);
  }
  if (keep.length === data.length) return undefined;
  const width = DTYPE_BYTES[t.dtype];
  const src = new Uint8Array(t.data.buffer, t.data.byteOffset, t.data.byteLength);
  const values = new Uint8Array(keep.length * width);
  keep.forEach((i, k) => values.set(src.subarray(i * width, (i + 1) * width), k * width));
  const dims = shape.map((d, i) =>
    i < shape.length - 1
      ? { format: DimensionType.DENSE, denseSize: d }
      : {
          format: DimensionType.SPARSE_CSR,
          denseSize: 0,
          arraySegments: segments,
          arrayIndices: indices,
        },
  );
  return {
    sparsity: { traversalOrder: shape.map((_, i) => i), blockMap: [], dimMetadata: dims },
    values,
    byteEstimate: values.length + indexBytes(segments) + indexBytes(indices) + 48 * shape.length,
  };
}

/**
 * Expand sparse storage to dense row-major element order: returns, for each stored value k, its
 * flat index in the dense tensor of `shape`. Every index is bounds-checked.
 */
export function sparseToDenseIndices(
  sparsity: TflSparsity,
  shape: readonly number[],
  storedCount: number,
  what: string,
): Int32Array {
  const n = shape.length;
  const { traversalOrder: order, blockMap, dimMetadata: dims } = sparsity;
  const k = blockMap.length;
  if (order.length !== n + k || dims.length !== n + k) {
    throw invalid(
      `${what}: sparsity has ${order.length} traversal entries and ${dims.length} dimensions for a rank-${n} tensor with ${k} block dims`,
    );
  }
  const blockSize = new Array<number>(n).fill(1);
  blockMap.forEach((d, i) => {
    if (d < 0 || d >= n) throw invalid(`${what}: block_map entry ${d} out of range`);
    const size = dims[n + i]!.denseSize;
    if (size <= 0) throw invalid(`${what}: block dimension ${i} has size ${size}`);
    blockSize[d] = size;
  });
  const seen = new Set(order);
  if (seen.size !== n + k || order.some((o) => o < 0 || o >= n + k))
    throw invalid(`${what}: traversal order is not a permutation`);
  const strides = stridesOf(shape);
  const total = sizeOf(shape);
  const out = new Int32Array(storedCount).fill(-1);
  const coord = new Array<number>(n + k).fill(0);
  let written = 0;
  const visit = (level: number, position: number): void => {
    if (level === n + k) {
      if (position < 0 || position >= storedCount)
        throw invalid(`${what}: sparse position ${position} beyond ${storedCount} stored values`);
      let flat = 0;
      for (let d = 0; d < n; d++) {
        let c = coord[d]! * blockSize[d]!;
        const bi = blockMap.indexOf(d);
        if (bi >= 0) c += coord[n + bi]!;
        if (c >= shape[d]!)
          throw invalid(
            `${what}: sparse coordinate ${c} outside dimension ${d} of size ${shape[d]}`,
          );
        flat += c * strides[d]!;
      }
      if (flat >= total) throw invalid(`${what}: sparse element outside the tensor`);
      out[position] = flat;
      written++;
      return;
    }
    const dimId = order[level]!;
    const meta = dims[level]!;
    if (meta.format === DimensionType.DENSE) {
      const size = meta.denseSize;
      if (size < 0 || size > total) throw invalid(`${what}: dense dimension size ${size}`);
      for (let i = 0; i < size; i++) {
        coord[dimId] = i;
        visit(level + 1, position * size + i);
      }
    } else {
      const seg = meta.arraySegments ?? [];
      const idx = meta.arrayIndices ?? [];
      const from = seg[position];
      const to = seg[position + 1];
      if (from === undefined || to === undefined || from > to || to > idx.length) {
        throw invalid(`${what}: sparse segment ${position} is out of range`);
      }
      for (let j = from; j < to; j++) {
        coord[dimId] = idx[j]!;
        visit(level + 1, j);
      }
    }
  };
  visit(0, 0);
  if (written !== storedCount)
    throw invalid(`${what}: sparsity describes ${written} values, buffer holds ${storedCount}`);
  return out;
}
