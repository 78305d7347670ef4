import type { Builder } from 'flatbuffers';
import { invalid } from '../../errors';
import { DimensionType, SparseIndexVectorType } from '../enums';
import type { FlatTable } from '../flat-reader';
import type { TflDimensionMetadata, TflSparsity } from '../model-types';
import { int32Vector, uint16Vector, byteVector } from './vectors';

/**
 * SparsityParameters (0 traversal_order, 1 block_map, 2 dim_metadata) and DimensionMetadata
 * (0 format, 1 dense_size, 2/3 array_segments union, 4/5 array_indices union; the union tables
 * Int32Vector/Uint16Vector/Uint8Vector hold one `values` vector, field 0).
 */
export function readSparsity(t: FlatTable): TflSparsity {
  return {
    traversalOrder: t.i32s(0, 'SparsityParameters.traversal_order'),
    blockMap: t.i32s(1, 'SparsityParameters.block_map'),
    dimMetadata: t.tables(2, 'SparsityParameters.dim_metadata').map(readDimension),
  };
}

function readDimension(t: FlatTable): TflDimensionMetadata {
  const format = t.i8(0, 0);
  if (format !== DimensionType.DENSE && format !== DimensionType.SPARSE_CSR) {
    throw invalid(`dimension format ${format} is neither DENSE nor SPARSE_CSR`, t.pos, t.view.file);
  }
  const d: TflDimensionMetadata = { format, denseSize: t.i32(1, 0) };
  const seg = readIndexVector(t, 2, 'array_segments');
  const idx = readIndexVector(t, 4, 'array_indices');
  if (seg) d.arraySegments = seg;
  if (idx) d.arrayIndices = idx;
  return d;
}

function readIndexVector(t: FlatTable, typeId: number, what: string): number[] | undefined {
  const type = t.u8(typeId, 0);
  if (type === SparseIndexVectorType.NONE) return undefined;
  const table = t.table(typeId + 1, `DimensionMetadata.${what}`);
  if (table === undefined) return undefined;
  switch (type) {
    case SparseIndexVectorType.Int32Vector:
      return table.i32s(0, `${what}.values`);
    case SparseIndexVectorType.Uint16Vector:
      return table.u16s(0, `${what}.values`);
    case SparseIndexVectorType.Uint8Vector: {
      const bytes = table.bytes(0, `${what}.values`);
      return bytes ? [...bytes] : [];
    }
    default:
      throw invalid(`${what} has unknown vector type ${type}`, t.pos, t.view.file);
  }
}

export function buildSparsity(b: Builder, s: TflSparsity): number {
  const dims = s.dimMetadata.map((d) => buildDimension(b, d));
  const traversal = int32Vector(b, s.traversalOrder);
  const blockMap = s.blockMap.length > 0 ? int32Vector(b, s.blockMap) : 0;
  b.startVector(4, dims.length, 4);
  for (let i = dims.length - 1; i >= 0; i--) b.addOffset(dims[i]!);
  const dimVec = b.endVector();
  b.startObject(3);
  b.addFieldOffset(0, traversal, 0);
  b.addFieldOffset(1, blockMap, 0);
  b.addFieldOffset(2, dimVec, 0);
  return b.endObject();
}

/** Smallest index vector type that holds every value. */
function indexVectorType(values: readonly number[]): number {
  const max = values.reduce((m, v) => Math.max(m, v), 0);
  if (max <= 0xff) return SparseIndexVectorType.Uint8Vector;
  if (max <= 0xffff) return SparseIndexVectorType.Uint16Vector;
  return SparseIndexVectorType.Int32Vector;
}

function buildIndexVector(b: Builder, values: readonly number[]): [number, number] {
  const type = indexVectorType(values);
  const vec =
    type === SparseIndexVectorType.Uint8Vector
      ? byteVector(b, Uint8Array.from(values), 4)
      : type === SparseIndexVectorType.Uint16Vector
        ? uint16Vector(b, values)
        : int32Vector(b, values);
  b.startObject(1);
  b.addFieldOffset(0, vec, 0);
  return [type, b.endObject()];
}

function buildDimension(b: Builder, d: TflDimensionMetadata): number {
  const seg = d.arraySegments ? buildIndexVector(b, d.arraySegments) : undefined;
  const idx = d.arrayIndices ? buildIndexVector(b, d.arrayIndices) : undefined;
  b.startObject(6);
  b.addFieldInt8(0, d.format, 0);
  b.addFieldInt32(1, d.denseSize, 0);
  if (seg) {
    b.addFieldInt8(2, seg[0], 0);
    b.addFieldOffset(3, seg[1], 0);
  }
  if (idx) {
    b.addFieldInt8(4, idx[0], 0);
    b.addFieldOffset(5, idx[1], 0);
  }
  return b.endObject();
}
