import { attrPairs, encodeOnGrid, type Node } from '@collabopt/core';
import { unsupportedNode } from '../../errors';
import { BuiltinOptionsType } from '../../schema/builtin-options';
import { BuiltinOperator as Op } from '../../schema/enums';
import type { ExportContext } from '../context';
import { copyBytes } from '../context';
import { tensor } from '@collabopt/core';
import { sameQuant } from '../../quant-encoding';

/** Reshape / Flatten → RESHAPE [input, shape int32] with new_shape in the options (batch as −1). */
export function exportReshape(node: Node, ctx: ExportContext): void {
  const input = ctx.tensorOf(node.inputs[0]!);
  const outShape = ctx.shapeOf(node.output);
  const newShape = [-1, ...outShape.slice(1)];
  const shapeTensor = ctx.constInt32(`${node.name}/shape`, newShape);
  ctx.emitWithOutputQuant(node.output, ctx.b.tensor(input).quantization, (out) =>
    ctx.addOp(Op.RESHAPE, [input, shapeTensor], [out], BuiltinOptionsType.ReshapeOptions, {
      newShape,
    }),
  );
}

/** Concat → CONCATENATION (axis made non-negative). */
export function exportConcat(node: Node, ctx: ExportContext): void {
  // TFLite's int8 CONCATENATION needs every input on the output's parameters: requantize the others.
  const inputs = node.inputs.map((v, i) => {
    const t = ctx.tensorOf(v);
    if (!ctx.quantized) return t;
    const want = ctx.activationQuant(node.output);
    if (sameQuant(ctx.b.tensor(t).quantization, want)) return t;
    const r = ctx.intermediate(`${node.name}/input_${i}_requantized`, ctx.shapeOf(v), want);
    ctx.addOp(Op.QUANTIZE, [t], [r], BuiltinOptionsType.QuantizeOptions, {});
    return r;
  });
  const rank = ctx.shapeOf(node.output).length;
  const a = typeof node.attrs['axis'] === 'number' ? node.attrs['axis'] : -1;
  const axis = a < 0 ? a + rank : a;
  if (axis === 0) throw unsupportedNode(node.name, node.op, 'concatenating along the batch axis');
  ctx.emitWithOutputQuant(node.output, undefined, (out) =>
    ctx.addOp(Op.CONCATENATION, inputs, [out], BuiltinOptionsType.ConcatenationOptions, {
      axis,
      fusedActivationFunction: 0,
    }),
  );
}

/** Pad → PAD (zero / zero-point padding) or PADV2 (another constant). */
export function exportPad(node: Node, ctx: ExportContext): void {
  const input = ctx.tensorOf(node.inputs[0]!);
  const p = attrPairs(node.attrs, 'padding');
  const paddings = [0, 0, p[0]![0], p[0]![1], p[1]![0], p[1]![1], 0, 0];
  const padTensor = ctx.constInt32(`${node.name}/paddings`, paddings, [4, 2]);
  const c = typeof node.attrs['constantValue'] === 'number' ? node.attrs['constantValue'] : 0;
  const inQuant = ctx.b.tensor(input).quantization;
  if (c === 0) {
    ctx.emitWithOutputQuant(node.output, inQuant, (out) =>
      ctx.addOp(Op.PAD, [input, padTensor], [out], BuiltinOptionsType.PadOptions, {}),
    );
    return;
  }
  let constant: number;
  if (ctx.quantized) {
    const s = inQuant!.scale![0]!;
    const zp = inQuant!.zeroPoint![0]!;
    const int16 = ctx.int16Activations;
    const [lo, hi] = int16 ? [-32768, 32767] : [-128, 127];
    const q = encodeOnGrid(c, s, zp, lo, hi);
    constant = ctx.b.addTensor({
      name: `${node.name}/constant`,
      type: ctx.activationType,
      shape: [1],
      quantization: inQuant!,
      data: copyBytes(int16 ? tensor('int16', [1], [q]) : tensor('int8', [1], [q])),
    });
  } else {
    constant = ctx.constFloat(`${node.name}/constant`, new Float32Array([c]), [1]);
  }
  ctx.emitWithOutputQuant(node.output, inQuant, (out) =>
    ctx.addOp(Op.PADV2, [input, padTensor, constant], [out], BuiltinOptionsType.PadV2Options, {}),
  );
}

/** Dropout is the identity at inference. */
export function exportIdentity(node: Node, ctx: ExportContext): void {
  ctx.alias(node.output, ctx.tensorOf(node.inputs[0]!));
}
