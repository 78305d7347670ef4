import type { Graph } from '@collabopt/core';
import type { QdqFindings } from './context';

/**
 * The graph-level quantization mode (docs/quantization-contract.md) a QDQ model imports as: `int8`
 * when every activation carries an int8 annotation, `int16x8` when every one is int16; otherwise
 * none (a partly quantized model stays float, its annotations kept).
 */
export function quantizationModeOf(graph: Graph, qdq: QdqFindings): string | undefined {
  if (qdq.activations === 0) return undefined;
  const values = graph.nodes.flatMap((n) => n.outputs);
  const dtypes = new Set(values.map((v) => v.annotations.quant?.dtype ?? 'none'));
  if (dtypes.size !== 1) {
    qdq.unannotated = values.filter((v) => !v.annotations.quant).map((v) => v.name);
    return undefined;
  }
  const [dtype] = dtypes;
  return dtype === 'int8' ? 'int8' : dtype === 'int16' ? 'int16x8' : undefined;
}
