import { attrString, defaultOpRegistry, type Graph, type OpRegistry } from '@collabopt/core';

/**
 * Activations that int8 quantization absorbs into the producer's output grid: a clamp to [0, ∞) or
 * [0, 6] is exactly what the output tensor's quantization range does when that range starts at 0
 * (TFLite int8 spec: fused RELU/RELU6 only narrow the output's representable range).
 */
export const CLAMP_ACTIVATIONS: readonly string[] = ['relu', 'relu6'];

export interface FuseClampActivationsReport {
  /** The Activation node `activation` was fused into `into` (which keeps its name). */
  readonly fused: { activation: string; into: string }[];
}

/**
 * Fuse every separate relu/relu6 Activation node into the layer before it (one the op registry
 * lets fuse it, linear, its output read only by the activation), as TFLiteConverter does. Without
 * this, a Keras `Conv2D → BatchNorm → ReLU(6)` stack quantizes the convolution's *unclamped* output
 * (e.g. [−77, 100] in a MobileNetV2 depthwise layer) and then clamps it to [0, 6], leaving the
 * ReLU6's output a handful of int8 steps; fused, the convolution's output grid spans [0, 6]. The
 * layer takes over the activation's output readers and annotations. Edits `graph` in place.
 */
export function fuseClampActivations(
  graph: Graph,
  registry: OpRegistry = defaultOpRegistry,
): FuseClampActivationsReport {
  const report: FuseClampActivationsReport = { fused: [] };
  for (const act of graph.topologicalOrder().filter((n) => n.op === 'Activation')) {
    const kind = registry.resolveAttrs(act)['activation'];
    if (typeof kind !== 'string' || !CLAMP_ACTIVATIONS.includes(kind)) continue;
    const input = act.inputs[0]!;
    const producer = input.producer;
    if (producer.outputs.length !== 1 || !registry.canFuseActivation(producer.op, kind)) continue;
    const attrs = registry.resolveAttrs(producer);
    if (attrs['activation'] !== undefined && attrString(attrs, 'activation') !== 'linear') continue;
    if (graph.outputs.includes(input) || graph.consumers(input).length !== 1) continue;
    producer.attrs['activation'] = kind;
    input.annotations = { ...act.output.annotations };
    graph.removeNode(act, [input]);
    report.fused.push({ activation: act.name, into: producer.name });
  }
  if (report.fused.length > 0) graph.touch();
  return report;
}
