import type { Graph, Node } from '@collabopt/core';

/** A normalisation the model applies to its input itself. */
export interface ModelNormalization {
  /** The node (source layer name). */
  readonly node: string;
  readonly op: string;
  /** For a report: what the model does and what it means for the data. */
  readonly description: string;
}

/** Ops that only reshape or pad, through which a normalisation still sees the raw input. */
const PASS_THROUGH = new Set(['Reshape', 'Pad', 'Dropout']);
const NORMALISING_OPS = new Set(['BatchNorm', 'LayerNorm']);
const NORMALISING_NAME = /rescal|normali[sz]|preprocess|standardi[sz]/i;

/**
 * The normalisations the model carries on its inputs: a BatchNorm / LayerNorm reading the input
 * (how a Keras `Normalization` layer's affine map is represented in the IR), or a node whose op or
 * source name says rescaling / normalisation (a custom op registered for Keras `Rescaling`). When
 * one is found, the data should be given raw (`scale=1`), and a report should say so.
 */
export function detectModelNormalization(graph: Graph): ModelNormalization[] {
  const found: ModelNormalization[] = [];
  for (const input of graph.inputs) {
    const queue = graph.consumers(input);
    const seen = new Set<Node>();
    while (queue.length > 0) {
      const n = queue.shift()!;
      if (seen.has(n)) continue;
      seen.add(n);
      if (PASS_THROUGH.has(n.op)) {
        for (const o of n.outputs) queue.push(...graph.consumers(o));
        continue;
      }
      if (NORMALISING_OPS.has(n.op) || NORMALISING_NAME.test(n.op) || NORMALISING_NAME.test(n.name))
        found.push({
          node: n.name,
          op: n.op,
          description: `the model normalises input "${input.name}" itself (${n.op} "${n.name}"); give it unscaled data`,
        });
    }
  }
  return found;
}
