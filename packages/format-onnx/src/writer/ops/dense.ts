/** Dense → Gemm (rank 2) or MatMul (+ Add). */
import { type Attributes, type Node, type Tensor } from '@collabopt/core';
import { permuteRows } from '../../layout';
import { type Emitter, rankOf, weightInit } from '../emitter';
import { withFusedActivation } from './activations';

export function emitDense(e: Emitter, node: Node, attrs: Attributes): void {
  const x = node.inputs[0]!;
  const perm = e.flatPerm.get(x);
  const layoutFn = perm
    ? <T extends Tensor>(t: T): T => permuteRows(t, perm, false) as T
    : undefined;
  const w = e.qdq?.weight(node, 'kernel', layoutFn, 1) ?? weightInit(e, node, 'kernel', layoutFn);
  const bias =
    attrs['useBias'] === true
      ? (e.qdq?.bias(node, x, 'kernel') ?? weightInit(e, node, 'bias'))
      : undefined;
  withFusedActivation(e, node, attrs, (out) => {
    if (rankOf(x) === 2) {
      e.b.node('Gemm', node.name, bias === undefined ? [e.name(x), w] : [e.name(x), w, bias], [
        out,
      ]);
    } else if (bias === undefined) {
      e.b.node('MatMul', node.name, [e.name(x), w], [out]);
    } else {
      const mm = e.b.name(`${node.name}_matmul`);
      e.b.node('MatMul', `${node.name}_matmul`, [e.name(x), w], [mm]);
      e.b.node('Add', node.name, [mm, bias], [out]);
    }
  });
}
