/** BatchNorm → BatchNormalization (float graphs only). */
import { type Attributes, type Node, UnsupportedError } from '@collabopt/core';
import { type Emitter, rankOf, weightInit } from '../emitter';

export function emitBatchNorm(e: Emitter, node: Node, attrs: Attributes): void {
  const x = node.inputs[0]!;
  const rank = rankOf(x);
  const axis =
    (attrs['axis'] as number) < 0 ? (attrs['axis'] as number) + rank : (attrs['axis'] as number);
  if (axis !== rank - 1 || (rank !== 2 && rank !== 4)) {
    throw new UnsupportedError(
      `BatchNorm over axis ${attrs['axis']} of a rank-${rank} value has no ONNX BatchNormalization mapping`,
      { node: node.name },
      'ONNX_UNSUPPORTED_OP',
    );
  }
  if (e.qdq) {
    throw new UnsupportedError(
      'a quantized graph still has an unfolded BatchNorm; run the foldBatchNorm pass before quantizing',
      { node: node.name },
      'ONNX_UNFOLDED_BATCHNORM',
    );
  }
  const c = x.shape![rank - 1]!;
  const ones = { dtype: 'float32' as const, shape: [c], data: new Float32Array(c).fill(1) };
  const zeros = { dtype: 'float32' as const, shape: [c], data: new Float32Array(c) };
  const gamma = node.weights['gamma']
    ? weightInit(e, node, 'gamma')
    : e.b.initializer(`${node.name}_gamma`, ones);
  const beta = node.weights['beta']
    ? weightInit(e, node, 'beta')
    : e.b.initializer(`${node.name}_beta`, zeros);
  e.b.node(
    'BatchNormalization',
    node.name,
    [
      e.name(x),
      gamma,
      beta,
      weightInit(e, node, 'movingMean'),
      weightInit(e, node, 'movingVariance'),
    ],
    [e.out(node.output)],
    {
      epsilon: { float: attrs['epsilon'] as number },
    },
  );
}
