import type { Graph } from './graph';
import { weightStatistics } from './statistics';
import { formatShape } from './tensor';

/** One row of a per-layer summary. */
export interface LayerSummary {
  readonly name: string;
  readonly op: string;
  readonly outputShape: string;
  readonly params: number;
  /** Fraction of zero weights over the node's weights (0 when it has none). */
  readonly sparsity: number;
  /** Largest number of distinct values among the node's kernels (0 when it has none). */
  readonly uniqueValues: number;
  readonly bytes: number;
  /** Annotations carried by the node's weights, e.g. ['kernel:mask', 'kernel:quant']. */
  readonly annotations: readonly string[];
}

export interface GraphSummary {
  readonly name: string;
  readonly layers: readonly LayerSummary[];
  readonly totalParams: number;
  readonly totalBytes: number;
}

/** Per-layer table (as data) for the CLI and reports. */
export function summarize(graph: Graph): GraphSummary {
  const layers: LayerSummary[] = graph.topologicalOrder().map((node) => {
    let params = 0;
    let zeros = 0;
    let bytes = 0;
    let unique = 0;
    const annotations: string[] = [];
    for (const [slot, w] of Object.entries(node.weights)) {
      const s = weightStatistics(w.tensor);
      params += s.params;
      zeros += s.params - s.nonZeros;
      bytes += s.bytes;
      if (s.params > 1 && w.tensor.shape.length > 1) unique = Math.max(unique, s.uniqueValues);
      for (const kind of Object.keys(w.annotations)) {
        if (w.annotations[kind as keyof typeof w.annotations] !== undefined)
          annotations.push(`${slot}:${kind}`);
      }
    }
    return {
      name: node.name,
      op: node.op,
      outputShape: node.outputs.map((v) => (v.shape ? formatShape(v.shape) : '?')).join(' '),
      params,
      sparsity: params === 0 ? 0 : zeros / params,
      uniqueValues: unique,
      bytes,
      annotations,
    };
  });
  return {
    name: graph.name,
    layers,
    totalParams: layers.reduce((a, l) => a + l.params, 0),
    totalBytes: layers.reduce((a, l) => a + l.bytes, 0),
  };
}

/** Render a summary as an aligned text table. */
export function formatSummary(summary: GraphSummary): string {
  const header = ['layer', 'op', 'output', 'params', 'sparsity', 'unique', 'bytes', 'annotations'];
  const rows = summary.layers.map((l) => [
    l.name,
    l.op,
    l.outputShape,
    String(l.params),
    l.params ? `${(l.sparsity * 100).toFixed(1)}%` : '',
    l.uniqueValues ? String(l.uniqueValues) : '',
    String(l.bytes),
    l.annotations.join(' '),
  ]);
  return (
    formatTable(header, rows) + `\ntotal params ${summary.totalParams}, ${summary.totalBytes} bytes`
  );
}

/** Aligned plain-text table (numbers right-aligned). */
export function formatTable(
  header: readonly string[],
  rows: readonly (readonly string[])[],
): string {
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => (r[i] ?? '').length)));
  const numeric = header.map(
    (_, i) => rows.length > 0 && rows.every((r) => /^-?[\d.]+%?$|^$/.test(r[i] ?? '')),
  );
  const line = (cells: readonly string[]): string =>
    cells
      .map((c, i) => (numeric[i] ? c.padStart(widths[i]!) : c.padEnd(widths[i]!)))
      .join('  ')
      .trimEnd();
  return [line(header), line(widths.map((w) => '-'.repeat(w))), ...rows.map(line)].join('\n');
}
