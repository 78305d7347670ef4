/** Layout-sensitive structure: Flatten/Reshape, Pad, Concat, Dropout. */
import { type Attributes, type Node, type Value } from '@collabopt/core';
import { NCHW_TO_NHWC, NHWC_TO_NCHW, nchwToNhwcFlatIndex, nhwcAxisToNchw } from '../../layout';
import { type Emitter, int64, onnxShape, rankOf, scalar } from '../emitter';

/** Name of the NHWC-ordered version of a rank-4 value (a Transpose), for ops that need IR element order. */
export function nhwcView(e: Emitter, v: Value, base: string): string {
  const [, h, w, c] = v.shape!;
  if ((h === 1 && w === 1) || c === 1) return e.name(v);
  const t = e.b.name(`${base}_nhwc`);
  e.b.node('Transpose', `${base}_nhwc`, [e.name(v)], [t], { perm: [...NCHW_TO_NHWC] });
  // In QDQ graphs the Transpose gets its own Q/DQ pair (same parameters): ORT runs it in int8 and
  // its transpose optimizer (opset ≥ 21) otherwise inserts a mistyped QuantizeLinear here.
  if (e.qdq?.hasActivationQuant(v))
    return e.qdq.quantizeDequantize(v, t, e.b.name(`${base}_nhwc_dq`));
  return t;
}

export function emitFlattenOrReshape(e: Emitter, node: Node, attrs: Attributes): void {
  const x = node.inputs[0]!;
  const y = node.output;
  const outRank = rankOf(y);
  let src = e.name(x);
  if (rankOf(x) === 4) {
    const [, h, w, c] = x.shape!;
    const spatialTrivial = (h === 1 && w === 1) || c === 1;
    const consumers = e.graph.consumers(y);
    const denseOnly =
      outRank === 2 &&
      consumers.length > 0 &&
      consumers.every((n) => n.op === 'Dense') &&
      !e.graph.outputs.includes(y);
    if (!spatialTrivial && denseOnly) {
      // Keep ONNX's NCHW flatten order; the Dense kernels that read it get their rows permuted.
      e.flatPerm.set(y, nchwToNhwcFlatIndex(h!, w!, c!));
    } else {
      src = nhwcView(e, x, node.name);
    }
  }
  if (outRank === 4) {
    const [, h, w, c] = y.shape!;
    const nhwcShape = [-1, h!, w!, c!];
    if ((h === 1 && w === 1) || c === 1) {
      const shape = e.b.initializer(`${node.name}_shape`, int64([-1, ...onnxShape(y).slice(1)]));
      e.b.node('Reshape', node.name, [src, shape], [e.out(y)]);
    } else {
      const shape = e.b.initializer(`${node.name}_shape`, int64(nhwcShape));
      const r = e.b.name(`${node.name}_nhwc`);
      e.b.node('Reshape', node.name, [src, shape], [r]);
      e.b.node('Transpose', `${node.name}_nchw`, [r], [e.out(y)], { perm: [...NHWC_TO_NCHW] });
    }
    return;
  }
  if (node.op === 'Flatten') {
    e.b.node('Flatten', node.name, [src], [e.out(y)], { axis: 1 });
    return;
  }
  void attrs;
  const shape = e.b.initializer(`${node.name}_shape`, int64([-1, ...y.shape!.slice(1)]));
  e.b.node('Reshape', node.name, [src, shape], [e.out(y)]);
}

export function emitPad(e: Emitter, node: Node, attrs: Attributes): void {
  const [[top, bottom], [left, right]] = attrs['padding'] as [[number, number], [number, number]];
  const pads = e.b.initializer(`${node.name}_pads`, int64([0, 0, top, left, 0, 0, bottom, right]));
  const value = e.b.initializer(`${node.name}_value`, scalar(attrs['constantValue'] as number));
  e.b.node('Pad', node.name, [e.name(node.inputs[0]!), pads, value], [e.out(node.output)], {
    mode: 'constant',
  });
}

export function emitConcat(e: Emitter, node: Node, attrs: Attributes): void {
  e.b.node(
    'Concat',
    node.name,
    node.inputs.map((v) => e.name(v)),
    [e.out(node.output)],
    { axis: nhwcAxisToNchw(attrs['axis'] as number, rankOf(node.output)) },
  );
}

/** Inference graphs: Dropout is an identity. */
export function emitDropout(e: Emitter, node: Node): void {
  e.b.node('Identity', node.name, [e.name(node.inputs[0]!)], [e.out(node.output)]);
}
