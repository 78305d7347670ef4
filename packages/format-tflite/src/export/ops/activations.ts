import type { AttrValue, Node, Value } from '@collabopt/core';
import { ACTIVATION_DEFAULTS, isActivationKind } from '@collabopt/core';
import { unsupportedNode } from '../../errors';
import { toTfliteQuant } from '../../quant-encoding';
import { BuiltinOptionsType } from '../../schema/builtin-options';
import { Activation, BuiltinOperator as Op } from '../../schema/enums';
import type { TflQuantization } from '../../schema/model-types';
import type { ExportContext } from '../context';

/**
 * Fixed output parameters of TFLite's LOGISTIC/SOFTMAX and TANH kernels: int8 (tfmot-spec.md §5.4)
 * and, in 16x8 files, int16 (scale 1/32768, zero point 0 for all three).
 */
const SIGMOID_QUANT = toTfliteQuant([1 / 256], [-128]);
const TANH_QUANT = toTfliteQuant([1 / 128], [0]);
const INT16_UNIT_QUANT = toTfliteQuant([1 / 32768], [0]);

function fixedQuant(ctx: ExportContext, int8: TflQuantization): TflQuantization {
  return ctx.int16Activations ? INT16_UNIT_QUANT : int8;
}

/** Emit one activation op reading tensor `input` and producing IR value `out`. */
export function emitActivation(
  ctx: ExportContext,
  node: Node,
  kind: string,
  alpha: AttrValue | undefined,
  input: number,
  out: Value,
): void {
  switch (kind) {
    case 'linear':
      ctx.alias(out, input);
      return;
    case 'relu':
      ctx.emitWithOutputQuant(out, undefined, (o) =>
        ctx.addOp(Op.RELU, [input], [o], 0, undefined),
      );
      return;
    case 'relu6':
      ctx.emitWithOutputQuant(out, undefined, (o) =>
        ctx.addOp(Op.RELU6, [input], [o], 0, undefined),
      );
      return;
    case 'leaky_relu': {
      const a = typeof alpha === 'number' ? alpha : ACTIVATION_DEFAULTS.leaky_relu!.alpha!;
      ctx.emitWithOutputQuant(out, undefined, (o) =>
        ctx.addOp(Op.LEAKY_RELU, [input], [o], BuiltinOptionsType.LeakyReluOptions, { alpha: a }),
      );
      return;
    }
    case 'sigmoid':
      ctx.emitWithOutputQuant(out, fixedQuant(ctx, SIGMOID_QUANT), (o) =>
        ctx.addOp(Op.LOGISTIC, [input], [o], 0, undefined),
      );
      return;
    case 'tanh':
      ctx.emitWithOutputQuant(out, fixedQuant(ctx, TANH_QUANT), (o) =>
        ctx.addOp(Op.TANH, [input], [o], 0, undefined),
      );
      return;
    case 'hard_swish':
      ctx.emitWithOutputQuant(out, undefined, (o) =>
        ctx.addOp(Op.HARD_SWISH, [input], [o], 0, undefined, { kind: 'float' }),
      );
      return;
    case 'softmax':
      emitSoftmax(ctx, input, out);
      return;
    case 'elu': {
      const a = typeof alpha === 'number' ? alpha : 1;
      if (a !== 1) throw unsupportedNode(node.name, node.op, `TFLite's ELU has alpha 1, got ${a}`);
      ctx.emitWithOutputQuant(out, undefined, (o) => ctx.addOp(Op.ELU, [input], [o], 0, undefined));
      return;
    }
    case 'swish':
    case 'hard_sigmoid':
      if (ctx.quantized) {
        throw unsupportedNode(
          node.name,
          node.op,
          `'${kind}' is lowered to several TFLite ops whose intermediates have no calibrated range in an int8 model`,
        );
      }
      if (kind === 'swish') emitSwish(ctx, node, input, out);
      else emitHardSigmoid(ctx, node, input, out, alpha, node.attrs['beta']);
      return;
    default:
      throw unsupportedNode(
        node.name,
        node.op,
        `activation '${kind}' has no TFLite mapping here (supported: linear, relu, relu6, leaky_relu, sigmoid, tanh, hard_swish, softmax, elu, and in float files swish, hard_sigmoid)`,
      );
  }
}

/** swish(x) = x · sigmoid(x): LOGISTIC then MUL (float modes). */
function emitSwish(ctx: ExportContext, node: Node, input: number, out: Value): void {
  const shape = ctx.shapeOf(out);
  const sig = ctx.intermediate(`${node.name}/sigmoid`, shape);
  ctx.addOp(Op.LOGISTIC, [input], [sig], 0, undefined);
  ctx.emitWithOutputQuant(out, undefined, (o) =>
    ctx.addOp(Op.MUL, [input, sig], [o], BuiltinOptionsType.MulOptions, {
      fusedActivationFunction: 0,
    }),
  );
}

/** hard_sigmoid(x) = clip(αx + β, 0, 1) = relu6(6αx + 6β) / 6: MUL, ADD, RELU6, MUL with constants (float modes). */
function emitHardSigmoid(
  ctx: ExportContext,
  node: Node,
  input: number,
  out: Value,
  alpha: AttrValue | undefined,
  beta: AttrValue | undefined,
): void {
  const a = typeof alpha === 'number' ? alpha : ACTIVATION_DEFAULTS.hard_sigmoid!.alpha!;
  const b = typeof beta === 'number' ? beta : ACTIVATION_DEFAULTS.hard_sigmoid!.beta!;
  const shape = ctx.shapeOf(out);
  let x = input;
  if (6 * a !== 1) {
    const scaled = ctx.intermediate(`${node.name}/scaled`, shape);
    ctx.addOp(
      Op.MUL,
      [x, ctx.constFloat(`${node.name}/six_alpha`, new Float32Array([6 * a]), [])],
      [scaled],
      BuiltinOptionsType.MulOptions,
      { fusedActivationFunction: 0 },
    );
    x = scaled;
  }
  const clipped = ctx.intermediate(`${node.name}/relu6`, shape);
  ctx.addOp(
    Op.ADD,
    [x, ctx.constFloat(`${node.name}/six_beta`, new Float32Array([6 * b]), [])],
    [clipped],
    BuiltinOptionsType.AddOptions,
    {
      fusedActivationFunction: Activation.RELU6,
    },
  );
  ctx.emitWithOutputQuant(out, undefined, (o) =>
    ctx.addOp(
      Op.MUL,
      [clipped, ctx.constFloat(`${node.name}/one_sixth`, new Float32Array([1 / 6]), [])],
      [o],
      BuiltinOptionsType.MulOptions,
      {
        fusedActivationFunction: 0,
      },
    ),
  );
}

export function emitSoftmax(ctx: ExportContext, input: number, out: Value): void {
  ctx.emitWithOutputQuant(out, fixedQuant(ctx, SIGMOID_QUANT), (o) =>
    ctx.addOp(Op.SOFTMAX, [input], [o], BuiltinOptionsType.SoftmaxOptions, { beta: 1 }),
  );
}

/** IR `Activation` node. */
export function exportActivation(node: Node, ctx: ExportContext): void {
  const kind = node.attrs['activation'];
  if (!isActivationKind(kind))
    throw unsupportedNode(node.name, node.op, `unknown activation ${String(kind)}`);
  const input = ctx.tensorOf(node.inputs[0]!);
  emitActivation(ctx, node, kind, node.attrs['alpha'], input, node.output);
}

/** IR `Softmax` node (last axis only, as TFLite's SOFTMAX). */
export function exportSoftmax(node: Node, ctx: ExportContext): void {
  const axis = typeof node.attrs['axis'] === 'number' ? node.attrs['axis'] : -1;
  const rank = ctx.shapeOf(node.output).length;
  if (axis !== -1 && axis !== rank - 1)
    throw unsupportedNode(
      node.name,
      node.op,
      `TFLite SOFTMAX works on the last axis, got axis ${axis}`,
    );
  emitSoftmax(ctx, ctx.tensorOf(node.inputs[0]!), node.output);
}
