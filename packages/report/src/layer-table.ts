import {
  DTYPE_BYTES,
  defaultOpRegistry,
  weightStatistics,
  type Graph,
  type OpRegistry,
} from '@collabopt/core';
import type { LayerRow, LayerTable } from './report-model';

/** A weight's quantization SQNR as the quantization plugin reports it. */
export interface WeightSqnr {
  readonly node: string;
  readonly slot: string;
  readonly sqnrDb: number;
}

/** An activation's quantization SQNR as the quantization plugin reports it (by value name). */
export interface ActivationSqnr {
  readonly value: string;
  readonly sqnrDb: number;
}

export interface LayerTableOptions {
  readonly registry?: OpRegistry;
  readonly weightSqnr?: readonly WeightSqnr[];
  readonly activationSqnr?: readonly ActivationSqnr[];
  /** Node name → accuracy drop when that layer alone is optimized. */
  readonly sensitivity?: Readonly<Record<string, number>>;
}

function finite(x: number | undefined): number | undefined {
  return x !== undefined && Number.isFinite(x) ? x : undefined;
}

/**
 * The per-layer table of a graph: one row per weight tensor with its parameters, sparsity,
 * distinct values, stored bits, codebook size, and the SQNR and sensitivity figures when given.
 */
export function layerTable(
  id: string,
  label: string,
  graph: Graph,
  options: LayerTableOptions = {},
): LayerTable {
  const weightSqnr = new Map((options.weightSqnr ?? []).map((w) => [`${w.node}/${w.slot}`, w]));
  const activationSqnr = new Map((options.activationSqnr ?? []).map((a) => [a.value, a.sqnrDb]));
  const rows: LayerRow[] = [];
  let params = 0;
  let zeros = 0;
  for (const node of graph.topologicalOrder()) {
    const output = node.outputs[0]?.name;
    for (const [slot, weight] of Object.entries(node.weights)) {
      const s = weightStatistics(weight.tensor);
      const q = weight.annotations.quant;
      const bits = q ? (q.dtype === 'float16' ? 16 : q.bits) : DTYPE_BYTES[weight.tensor.dtype] * 8;
      params += s.params;
      zeros += s.params - s.nonZeros;
      const wSqnr = finite(weightSqnr.get(`${node.name}/${slot}`)?.sqnrDb);
      const aSqnr = output === undefined ? undefined : finite(activationSqnr.get(output));
      const sensitivity = options.sensitivity?.[node.name];
      rows.push({
        node: node.name,
        op: node.op,
        slot,
        shape: [...weight.tensor.shape],
        params: s.params,
        sparsity: s.sparsity,
        uniqueValues: s.uniqueValues,
        bits,
        ...(weight.annotations.codebook ? { clusters: weight.annotations.codebook.clusters } : {}),
        ...(wSqnr !== undefined ? { weightSqnrDb: wSqnr } : {}),
        ...(aSqnr !== undefined ? { activationSqnrDb: aSqnr } : {}),
        ...(sensitivity !== undefined ? { sensitivity } : {}),
      });
    }
  }
  return { id, label, rows, params, sparsity: params ? zeros / params : 0 };
}

/**
 * The kernel with the most elements (the one the density figure shows by default), found through
 * the op registry's weight roles; undefined when the graph has no float kernel.
 */
export function largestKernel(
  graph: Graph,
  registry: OpRegistry = defaultOpRegistry,
): { node: string; slot: string } | undefined {
  let best: { node: string; slot: string; size: number } | undefined;
  for (const { node, slot, weight } of graph.weights()) {
    if (!registry.has(node.op) || registry.slot(node, slot)?.role !== 'kernel') continue;
    if (!(weight.tensor.data instanceof Float32Array)) continue;
    const size = weight.tensor.data.length;
    if (!best || size > best.size) best = { node: node.name, slot, size };
  }
  return best && { node: best.node, slot: best.slot };
}
