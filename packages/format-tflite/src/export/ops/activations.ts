import type { AttrValue, Node, Value } from '@collabopt/core';
import { ACTIVATION_DEFAULTS, isActivationKind } from '@collabopt/core';
import { unsupportedNode } from '../../errors';
import { toTfliteQuant } from '../../quant-encoding';
import { BuiltinOptionsType } from '../../schema/builtin-options';
import { BuiltinOperator as Op } from '../../schema/enums';
import type { ExportContext } from '../context';

/** Fixed int8 output parameters of TFLite's LOGISTIC/SOFTMAX and TANH kernels (tfmot-spec.md §5.4). */
const SIGMOID_QUANT = toTfliteQuant([1 / 256], [-128]);
const TANH_QUANT = toTfliteQuant([1 / 128], [0]);

/** Emit one activation op reading tensor `input` and producing IR value `out`. */
export function emitActivation(ctx: ExportContext, node: Node, kind: string, alpha: AttrValue | undefined, input: number, out: Value): void {
  switch (kind) {
    case 'linear':
      ctx.alias(out, input);
      return;
    case 'relu':
      ctx.emitWithOutputQuant(out, undefined, (o) => ctx.addOp(Op.RELU, [input], [o], 0, undefined));
      return;
    case 'relu6':
      ctx.emitWithOutputQuant(out, undefined, (o) => ctx.addOp(Op.RELU6, [input], [o], 0, undefined));
      return;
    case 'leaky_relu': {
      const a = typeof alpha === 'number' ? alpha : ACTIVATION_DEFAULTS.leaky_relu!.alpha!;
      ctx.emitWithOutputQuant(out, undefined, (o) => ctx.addOp(Op.LEAKY_RELU, [input], [o], BuiltinOptionsType.LeakyReluOptions, { alpha: a }));
      return;
    }
    case 'sigmoid':
      ctx.emitWithOutputQuant(out, SIGMOID_QUANT, (o) => ctx.addOp(Op.LOGISTIC, [input], [o], 0, undefined));
      return;
    case 'tanh':
      ctx.emitWithOutputQuant(out, TANH_QUANT, (o) => ctx.addOp(Op.TANH, [input], [o], 0, undefined));
      return;
    case 'hard_swish':
      ctx.emitWithOutputQuant(out, undefined, (o) =>
        ctx.addOp(Op.HARD_SWISH, [input], [o], 0, undefined, { kind: 'float' }),
      );
      return;
    case 'softmax':
      emitSoftmax(ctx, input, out);
      return;
    default:
      throw unsupportedNode(
        node.name,
        node.op,
        `activation '${kind}' has no TFLite builtin here (supported: linear, relu, relu6, leaky_relu, sigmoid, tanh, hard_swish, softmax)`,
      );
  }
}

export function emitSoftmax(ctx: ExportContext, input: number, out: Value): void {
  ctx.emitWithOutputQuant(out, SIGMOID_QUANT, (o) => ctx.addOp(Op.SOFTMAX, [input], [o], BuiltinOptionsType.SoftmaxOptions, { beta: 1 }));
}

/** IR `Activation` node. */
export function exportActivation(node: Node, ctx: ExportContext): void {
  const kind = node.attrs['activation'];
  if (!isActivationKind(kind)) throw unsupportedNode(node.name, node.op, `unknown activation ${String(kind)}`);
  const input = ctx.tensorOf(node.inputs[0]!);
  emitActivation(ctx, node, kind, node.attrs['alpha'], input, node.output);
}

/** IR `Softmax` node (last axis only, as TFLite's SOFTMAX). */
export function exportSoftmax(node: Node, ctx: ExportContext): void {
  const axis = typeof node.attrs['axis'] === 'number' ? node.attrs['axis'] : -1;
  const rank = ctx.shapeOf(node.output).length;
  if (axis !== -1 && axis !== rank - 1) throw unsupportedNode(node.name, node.op, `TFLite SOFTMAX works on the last axis, got axis ${axis}`);
  emitSoftmax(ctx, ctx.tensorOf(node.inputs[0]!), node.output);
}
