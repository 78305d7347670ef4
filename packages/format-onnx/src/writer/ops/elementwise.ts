/** Add/Sub/Mul of computed tensors (n-ary ops become a chain). */
import { type Attributes, type Node, UnsupportedError } from '@collabopt/core';
import { type Emitter, rankOf } from '../emitter';
import { withFusedActivation } from './activations';

export function emitBinary(e: Emitter, node: Node, attrs: Attributes): void {
  const ranks = new Set(node.inputs.map(rankOf));
  if (ranks.size > 1 && ranks.has(4)) {
    throw new UnsupportedError(
      `${node.op} mixes rank-4 (NHWC) and lower-rank inputs; ONNX's NCHW broadcasting would differ`,
      { node: node.name },
      'ONNX_UNSUPPORTED_OP',
    );
  }
  const op = node.op;
  withFusedActivation(e, node, attrs, (out) => {
    let acc = e.name(node.inputs[0]!);
    for (let i = 1; i < node.inputs.length; i++) {
      const last = i === node.inputs.length - 1;
      const target = last ? out : e.b.name(`${node.name}_partial${i}`);
      e.b.node(
        op,
        last ? node.name : `${node.name}_partial${i}`,
        [acc, e.name(node.inputs[i]!)],
        [target],
      );
      acc = target;
    }
    if (node.inputs.length === 1) e.b.node('Identity', node.name, [acc], [out]);
  });
}
