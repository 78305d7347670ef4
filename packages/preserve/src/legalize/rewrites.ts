import {
  attrString,
  defaultOpRegistry,
  type Graph,
  type Node,
  type OpRegistry,
} from '@collabopt/core';

/**
 * Move a fused `activation` out of `node` into an Activation node named `<node>_<activation>`
 * right after it (same function; the layer itself becomes linear). Returns the new node.
 */
export function splitFusedActivation(graph: Graph, node: Node): Node {
  const activation = String(node.attrs['activation']);
  const extra: Record<string, unknown> = {};
  for (const k of ['alpha', 'beta'] as const)
    if (node.attrs[k] !== undefined) {
      extra[k] = node.attrs[k];
      delete node.attrs[k];
    }
  node.attrs['activation'] = 'linear';
  const act = graph.insertAfter(node.output, {
    name: graph.uniqueName(`${node.name}_${activation}`),
    op: 'Activation',
    attrs: { activation, ...(extra as Record<string, number>) },
    outputs: [{ name: graph.uniqueName(`${node.name}_${activation}`), shape: node.output.shape }],
  });
  act.output.annotations = node.output.annotations;
  node.output.annotations = {};
  graph.touch();
  return act;
}

/**
 * Replace a SeparableConv2D by DepthwiseConv2D `<name>_depthwise` (no bias, its strides,
 * padding and dilations) followed by a 1×1 Conv2D that keeps the layer's name, pointwise kernel,
 * bias and activation. Weight annotations move with their weights.
 */
export function splitSeparableConv(
  graph: Graph,
  node: Node,
  registry: OpRegistry = defaultOpRegistry,
): { depthwise: Node; pointwise: Node } {
  const attrs = registry.resolveAttrs(node);
  const dw = node.weight('depthwiseKernel');
  const pw = node.weight('pointwiseKernel');
  const depthwise = graph.addNode({
    name: graph.uniqueName(`${node.name}_depthwise`),
    op: 'DepthwiseConv2D',
    inputs: [node.inputs[0]!],
    attrs: {
      kernelSize: attrs['kernelSize']!,
      strides: attrs['strides']!,
      padding: attrs['padding']!,
      dilations: attrs['dilations']!,
      depthMultiplier: attrs['depthMultiplier']!,
      useBias: false,
      activation: 'linear',
    },
    weights: { kernel: dw },
  });
  const filters = attrs['filters'] as number;
  // The pointwise kernel is already a 1×1 Conv2D kernel [1, 1, cin·multiplier, filters].
  const weights: Record<string, typeof pw> = { kernel: pw };
  if (attrs['useBias'] === true && node.weights['bias']) weights['bias'] = node.weights['bias'];
  const pointwise = graph.replaceNode(node, {
    name: node.name,
    op: 'Conv2D',
    inputs: [depthwise.output],
    attrs: {
      filters,
      kernelSize: [1, 1],
      strides: [1, 1],
      padding: 'valid',
      useBias: attrs['useBias'] === true,
      activation: attrString(attrs, 'activation'),
    },
    weights,
    outputs: [{ name: node.output.name, shape: node.output.shape }],
  });
  pointwise.output.annotations = node.output.annotations;
  graph.touch();
  return { depthwise, pointwise };
}
