import type { Graph } from './graph';
import { getIoHost } from './io/current-host';
import { byteSize, tensorBytes, type Tensor } from './tensor';

export interface WeightStatistics {
  readonly params: number;
  readonly nonZeros: number;
  /** Fraction of exactly-zero elements. */
  readonly sparsity: number;
  readonly uniqueValues: number;
  readonly bytes: number;
}

/** Number of distinct values of a tensor (0 and −0 count once). */
export function countUnique(data: Tensor['data']): number {
  if (data.length === 0) return 0;
  if (data instanceof BigInt64Array) return new Set(data).size;
  const copy = Float64Array.from(data as ArrayLike<number>).sort();
  let unique = 1;
  for (let i = 1; i < copy.length; i++) if (copy[i] !== copy[i - 1]) unique++;
  return unique;
}

export function countNonZeros(data: Tensor['data']): number {
  let nz = 0;
  if (data instanceof BigInt64Array) {
    for (const x of data) if (x !== 0n) nz++;
    return nz;
  }
  const d = data as ArrayLike<number>;
  for (let i = 0; i < d.length; i++) if (d[i] !== 0) nz++;
  return nz;
}

export function weightStatistics(t: Tensor): WeightStatistics {
  const params = t.data.length;
  const nonZeros = countNonZeros(t.data);
  return {
    params,
    nonZeros,
    sparsity: params === 0 ? 0 : 1 - nonZeros / params,
    uniqueValues: countUnique(t.data),
    bytes: byteSize(t),
  };
}

export interface GraphWeightStatistics extends WeightStatistics {
  readonly node: string;
  readonly op: string;
  readonly slot: string;
}

export interface GraphStatistics {
  readonly nodes: number;
  readonly params: number;
  readonly nonZeros: number;
  readonly sparsity: number;
  /** Raw bytes of all weights as stored in the IR. */
  readonly bytes: number;
  /** zlib-deflated size of all weight bytes concatenated (what a compressor would make of them). */
  readonly deflatedBytes: number;
  readonly weights: readonly GraphWeightStatistics[];
}

/** Deflated size (zlib, default level) of a byte string, computed by the I/O host. */
export function deflatedSize(bytes: Uint8Array): number {
  return getIoHost().deflatedSize(bytes);
}

export function graphStatistics(graph: Graph): GraphStatistics {
  const weights: GraphWeightStatistics[] = [];
  const chunks: Uint8Array[] = [];
  for (const { node, slot, weight } of graph.weights()) {
    weights.push({ node: node.name, op: node.op, slot, ...weightStatistics(weight.tensor) });
    chunks.push(tensorBytes(weight.tensor));
  }
  const total = chunks.reduce((a, c) => a + c.length, 0);
  const all = new Uint8Array(total);
  let off = 0;
  for (const c of chunks) {
    all.set(c, off);
    off += c.length;
  }
  const params = weights.reduce((a, w) => a + w.params, 0);
  const nonZeros = weights.reduce((a, w) => a + w.nonZeros, 0);
  return {
    nodes: graph.nodes.length,
    params,
    nonZeros,
    sparsity: params === 0 ? 0 : 1 - nonZeros / params,
    bytes: total,
    deflatedBytes: total === 0 ? 0 : deflatedSize(all),
    weights,
  };
}
