import { attrInt, type Node } from '@collabopt/core';
import { unsupportedNode } from '../../errors';
import { BuiltinOptionsType } from '../../schema/builtin-options';
import { BuiltinOperator as Op, Padding } from '../../schema/enums';
import type { ExportContext } from '../context';
import { emitWithActivation } from '../fused-activation';

function pair(node: Node, name: string): [number, number] {
  const v = node.attrs[name];
  return Array.isArray(v) && v.length === 2 ? [v[0] as number, v[1] as number] : [1, 1];
}

export function paddingCode(node: Node): number {
  const p = node.attrs['padding'] ?? 'valid';
  if (p !== 'same' && p !== 'valid')
    throw unsupportedNode(node.name, node.op, `padding '${String(p)}'`);
  return p === 'same' ? Padding.SAME : Padding.VALID;
}

/** Padding, strides and dilations of the Conv2D/DepthwiseConv2D options tables. */
function windowOptions(node: Node): {
  padding: number;
  strideW: number;
  strideH: number;
  dilationWFactor: number;
  dilationHFactor: number;
} {
  const [sh, sw] = pair(node, 'strides');
  const [dh, dw] = pair(node, 'dilations');
  return {
    padding: paddingCode(node),
    strideW: sw,
    strideH: sh,
    dilationWFactor: dw,
    dilationHFactor: dh,
  };
}

/** Conv2D → CONV_2D [input, filter OHWI, bias]. */
export function exportConv2d(node: Node, ctx: ExportContext): void {
  const input = ctx.tensorOf(node.inputs[0]!);
  const kernel = ctx.kernelInput(node, 'kernel', 'conv', true);
  const filters = attrInt(node.attrs, 'filters');
  const bias = ctx.biasInput(node, filters, input, kernel);
  emitWithActivation(ctx, node, (out, fused) =>
    ctx.addOp(
      Op.CONV_2D,
      [input, kernel.index, bias],
      [out],
      BuiltinOptionsType.Conv2DOptions,
      { ...windowOptions(node), fusedActivationFunction: fused },
      { kind: kernel.kind, perChannel: kernel.perChannel },
    ),
  );
}

/** DepthwiseConv2D → DEPTHWISE_CONV_2D [input, filter [1, kh, kw, cin·m], bias]. */
export function exportDepthwiseConv2d(node: Node, ctx: ExportContext): void {
  const input = ctx.tensorOf(node.inputs[0]!);
  const kernel = ctx.kernelInput(node, 'kernel', 'depthwise', true);
  const mult =
    typeof node.attrs['depthMultiplier'] === 'number' ? node.attrs['depthMultiplier'] : 1;
  const channels = ctx.shapeOf(node.output)[3]!;
  const bias = ctx.biasInput(node, channels, input, kernel);
  const window = windowOptions(node);
  emitWithActivation(ctx, node, (out, fused) =>
    ctx.addOp(
      Op.DEPTHWISE_CONV_2D,
      [input, kernel.index, bias],
      [out],
      BuiltinOptionsType.DepthwiseConv2DOptions,
      { ...window, depthMultiplier: mult, fusedActivationFunction: fused },
      {
        kind: kernel.kind,
        perChannel: kernel.perChannel,
        dilated: window.dilationHFactor !== 1 || window.dilationWFactor !== 1,
      },
    ),
  );
}

/**
 * Conv2DTranspose → TRANSPOSE_CONV [output_shape, filter [cout, kh, kw, cin], input, bias]. The
 * activation is emitted as its own op (older runtimes ignore TransposeConvOptions' activation).
 */
export function exportConv2dTranspose(node: Node, ctx: ExportContext): void {
  const input = ctx.tensorOf(node.inputs[0]!);
  const kernel = ctx.kernelInput(node, 'kernel', 'transposeConv', false);
  const outShape = ctx.shapeOf(node.output);
  const filters = attrInt(node.attrs, 'filters');
  // Without a bias the op keeps 3 inputs (version 1/2), which older parsers such as Arm NN 20.08 need.
  const hasBias = node.weights['bias'] !== undefined;
  const bias = hasBias ? [ctx.biasInput(node, filters, input, kernel)] : [];
  const [dh, dw] = pair(node, 'dilations');
  if (dh !== 1 || dw !== 1)
    throw unsupportedNode(node.name, node.op, 'TRANSPOSE_CONV has no dilation');
  const [sh, sw] = pair(node, 'strides');
  const shapeTensor = ctx.constInt32(
    `${node.name}/output_shape`,
    outShape.map((d) => (d < 0 ? 1 : d)),
  );
  emitWithActivation(
    ctx,
    node,
    (out) =>
      ctx.addOp(
        Op.TRANSPOSE_CONV,
        [shapeTensor, kernel.index, input, ...bias],
        [out],
        BuiltinOptionsType.TransposeConvOptions,
        { padding: paddingCode(node), strideW: sw, strideH: sh },
        { kind: kernel.kind, hasBias },
      ),
    false,
  );
}

/** SeparableConv2D → DEPTHWISE_CONV_2D (no bias) + 1×1 CONV_2D; float modes only. */
export function exportSeparableConv2d(node: Node, ctx: ExportContext): void {
  if (ctx.quantized) {
    throw unsupportedNode(
      node.name,
      node.op,
      'the depthwise/pointwise intermediate has no calibrated range in an int8 model; split the layer first',
    );
  }
  const input = ctx.tensorOf(node.inputs[0]!);
  const dk = ctx.kernelInput(node, 'depthwiseKernel', 'depthwise', true);
  const mult =
    typeof node.attrs['depthMultiplier'] === 'number' ? node.attrs['depthMultiplier'] : 1;
  const inShape = ctx.shapeOf(node.inputs[0]!);
  const outShape = ctx.shapeOf(node.output);
  const midChannels = inShape[3]! * mult;
  const zeroBias = ctx.constFloat(`${node.name}/depthwise_bias`, new Float32Array(midChannels), [
    midChannels,
  ]);
  const [sh, sw] = pair(node, 'strides');
  const [dh, dw] = pair(node, 'dilations');
  const mid = ctx.intermediate(`${node.name}/depthwise`, [
    outShape[0]!,
    outShape[1]!,
    outShape[2]!,
    midChannels,
  ]);
  ctx.addOp(
    Op.DEPTHWISE_CONV_2D,
    [input, dk.index, zeroBias],
    [mid],
    BuiltinOptionsType.DepthwiseConv2DOptions,
    {
      padding: paddingCode(node),
      strideW: sw,
      strideH: sh,
      depthMultiplier: mult,
      fusedActivationFunction: 0,
      dilationWFactor: dw,
      dilationHFactor: dh,
    },
    { kind: dk.kind, perChannel: dk.perChannel, dilated: dh !== 1 || dw !== 1 },
  );
  const pk = ctx.kernelInput(node, 'pointwiseKernel', 'conv', true);
  const bias = ctx.biasInput(node, attrInt(node.attrs, 'filters'), mid, pk);
  emitWithActivation(ctx, node, (out, fused) =>
    ctx.addOp(
      Op.CONV_2D,
      [mid, pk.index, bias],
      [out],
      BuiltinOptionsType.Conv2DOptions,
      { padding: Padding.VALID, strideW: 1, strideH: 1, fusedActivationFunction: fused },
      { kind: pk.kind, perChannel: pk.perChannel },
    ),
  );
}
