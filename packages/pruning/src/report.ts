import { countNonZeros, formatTable, type Graph, type MaskAnnotation } from '@collabopt/core';

/** Per-layer pruning outcome. */
export interface LayerSparsity {
  readonly node: string;
  readonly op: string;
  readonly slot: string;
  readonly params: number;
  /** What the schedule / structure aimed for. */
  readonly targetSparsity: number;
  /** Fraction of exactly-zero elements in the weight. */
  readonly achievedSparsity: number;
  /** Fraction of pruned positions in the mask (≤ achieved: weights may also be zero by chance). */
  readonly maskSparsity: number;
  readonly structure: string;
}

export interface PruningReport {
  readonly layers: readonly LayerSparsity[];
  /** Over the pruned weights only. */
  readonly params: number;
  readonly zeros: number;
  readonly sparsity: number;
}

function describe(structure: NonNullable<MaskAnnotation['structure']> | undefined): string {
  if (structure === undefined || structure.kind === 'unstructured') return 'unstructured';
  if (structure.kind === 'block')
    return `block ${structure.blockSize[0]}x${structure.blockSize[1]}`;
  return `${structure.m}:${structure.n}`;
}

/** Sparsity of every masked weight of the graph (weights carrying a `mask` annotation). */
export function pruningReport(graph: Graph): PruningReport {
  const layers: LayerSparsity[] = [];
  for (const { node, slot, weight } of graph.weights()) {
    const ann = weight.annotations.mask;
    if (ann === undefined) continue;
    const params = weight.tensor.data.length;
    let masked = 0;
    for (let i = 0; i < ann.mask.length; i++) if (ann.mask[i] === 0) masked++;
    layers.push({
      node: node.name,
      op: node.op,
      slot,
      params,
      targetSparsity: ann.targetSparsity ?? Number.NaN,
      achievedSparsity: params === 0 ? 0 : 1 - countNonZeros(weight.tensor.data) / params,
      maskSparsity: params === 0 ? 0 : masked / params,
      structure: describe(ann.structure),
    });
  }
  const params = layers.reduce((a, l) => a + l.params, 0);
  const zeros = layers.reduce((a, l) => a + Math.round(l.achievedSparsity * l.params), 0);
  return { layers, params, zeros, sparsity: params === 0 ? 0 : zeros / params };
}

/** Table of a report (for logs and benchmarks). */
export function formatPruningReport(report: Pick<PruningReport, 'layers'>): string {
  return formatTable(
    ['weight', 'op', 'params', 'structure', 'target', 'achieved'],
    report.layers.map((l) => [
      `${l.node}/${l.slot}`,
      l.op,
      String(l.params),
      l.structure,
      pct(l.targetSparsity),
      pct(l.achievedSparsity),
    ]),
  );
}

function pct(x: number): string {
  return Number.isNaN(x) ? '-' : `${(x * 100).toFixed(2)}%`;
}
