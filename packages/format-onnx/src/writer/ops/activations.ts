/** Activations (standalone and fused after Conv/Dense/Add) and Softmax. */
import { type Attributes, type Node, UnsupportedError } from '@collabopt/core';
import { nhwcAxisToNchw } from '../../layout';
import { type Emitter, rankOf } from '../emitter';

/** Emit the ONNX nodes of a (fused or standalone) activation from `input` to `output`. */
export function emitActivation(
  e: Emitter,
  kind: string,
  alpha: number | null | undefined,
  beta: number | null | undefined,
  input: string,
  output: string,
  base: string,
  rank: number,
): void {
  const { b } = e;
  switch (kind) {
    case 'linear':
      b.node('Identity', base, [input], [output]);
      return;
    case 'relu':
      b.node('Relu', base, [input], [output]);
      return;
    case 'relu6': {
      const lo = b.initializer(`${base}_min`, {
        dtype: 'float32',
        shape: [],
        data: new Float32Array([0]),
      });
      const hi = b.initializer(`${base}_max`, {
        dtype: 'float32',
        shape: [],
        data: new Float32Array([6]),
      });
      b.node('Clip', base, [input, lo, hi], [output]);
      return;
    }
    case 'leaky_relu':
      b.node('LeakyRelu', base, [input], [output], { alpha: { float: alpha ?? 0.2 } });
      return;
    case 'elu':
      b.node('Elu', base, [input], [output], { alpha: { float: alpha ?? 1 } });
      return;
    case 'sigmoid':
      b.node('Sigmoid', base, [input], [output]);
      return;
    case 'tanh':
      b.node('Tanh', base, [input], [output]);
      return;
    case 'softplus':
      b.node('Softplus', base, [input], [output]);
      return;
    case 'hard_sigmoid':
      b.node('HardSigmoid', base, [input], [output], {
        alpha: { float: alpha ?? 1 / 6 },
        beta: { float: beta ?? 0.5 },
      });
      return;
    case 'hard_swish':
      if (e.opset >= 14) {
        b.node('HardSwish', base, [input], [output]);
      } else {
        const gate = b.name(`${base}_gate`);
        b.node('HardSigmoid', `${base}_gate`, [input], [gate], {
          alpha: { float: 1 / 6 },
          beta: { float: 0.5 },
        });
        b.node('Mul', base, [input, gate], [output]);
      }
      return;
    case 'swish': {
      const gate = b.name(`${base}_gate`);
      b.node('Sigmoid', `${base}_gate`, [input], [gate]);
      b.node('Mul', base, [input, gate], [output]);
      return;
    }
    case 'softmax':
      b.node('Softmax', base, [input], [output], { axis: rank === 4 ? 1 : rank - 1 });
      return;
    case 'gelu':
      if (e.opset >= 20) {
        b.node('Gelu', base, [input], [output]);
        return;
      }
      throw new UnsupportedError(
        `activation gelu needs ONNX opset ≥ 20 (writing opset ${e.opset})`,
        { node: base },
        'ONNX_UNSUPPORTED_OP',
      );
    default:
      throw new UnsupportedError(
        `activation "${kind}" has no ONNX mapping`,
        { node: base },
        'ONNX_UNSUPPORTED_OP',
      );
  }
}

/** Write the op output (into a temporary when a fused activation follows). */
export function withFusedActivation(
  e: Emitter,
  node: Node,
  attrs: Attributes,
  write: (out: string) => void,
): void {
  const act = (attrs['activation'] as string | undefined) ?? 'linear';
  const out = e.out(node.output);
  if (act === 'linear') {
    write(out);
    return;
  }
  const pre = e.b.name(`${node.output.name}_preact`);
  write(pre);
  emitActivation(e, act, null, null, pre, out, `${node.name}_${act}`, rankOf(node.output));
}

/** Standalone Activation node. */
export function emitActivationNode(e: Emitter, node: Node, attrs: Attributes): void {
  emitActivation(
    e,
    attrs['activation'] as string,
    attrs['alpha'] as number | null,
    attrs['beta'] as number | null,
    e.name(node.inputs[0]!),
    e.out(node.output),
    node.name,
    rankOf(node.output),
  );
}

export function emitSoftmax(e: Emitter, node: Node, attrs: Attributes): void {
  e.b.node('Softmax', node.name, [e.name(node.inputs[0]!)], [e.out(node.output)], {
    axis: nhwcAxisToNchw(attrs['axis'] as number, rankOf(node.output)),
  });
}
