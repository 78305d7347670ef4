import { attrInts, type Node } from '@collabopt/core';
import { unsupportedNode } from '../../errors';
import { BuiltinOptionsType } from '../../schema/builtin-options';
import { BuiltinOperator as Op } from '../../schema/enums';
import type { ExportContext } from '../context';
import { paddingCode } from './convolution';

/** MaxPool2D / AvgPool2D → MAX_POOL_2D / AVERAGE_POOL_2D (int8 output shares the input's parameters). */
export function exportPool(node: Node, ctx: ExportContext): void {
  const input = ctx.tensorOf(node.inputs[0]!);
  const [ph, pw] = attrInts(node.attrs, 'poolSize') as [number, number];
  const s = node.attrs['strides'];
  const [sh, sw] = (Array.isArray(s) && s.length === 2 ? s : [ph, pw]) as [number, number];
  const code = node.op === 'MaxPool2D' ? Op.MAX_POOL_2D : Op.AVERAGE_POOL_2D;
  ctx.emitWithOutputQuant(node.output, ctx.b.tensor(input).quantization, (out) =>
    ctx.addOp(code, [input], [out], BuiltinOptionsType.Pool2DOptions, {
      padding: paddingCode(node),
      strideW: sw,
      strideH: sh,
      filterWidth: pw,
      filterHeight: ph,
      fusedActivationFunction: 0,
    }),
  );
}

/** GlobalAvgPool / GlobalMaxPool / Mean → MEAN / REDUCE_MAX over constant axes. */
export function exportReduce(node: Node, ctx: ExportContext): void {
  const input = ctx.tensorOf(node.inputs[0]!);
  const rank = ctx.shapeOf(node.inputs[0]!).length;
  const keepDims = node.attrs['keepDims'] === true;
  let axes: number[];
  let code: number = Op.MEAN;
  if (node.op === 'GlobalAvgPool' || node.op === 'GlobalMaxPool') {
    axes = [1, 2];
    if (node.op === 'GlobalMaxPool') code = Op.REDUCE_MAX;
  } else {
    axes = attrInts(node.attrs, 'axes').map((a) => (a < 0 ? a + rank : a));
    if (axes.includes(0)) throw unsupportedNode(node.name, node.op, 'reducing over the batch axis');
  }
  const axisTensor = ctx.constInt32(`${node.name}/axes`, axes);
  const required = code === Op.REDUCE_MAX ? ctx.b.tensor(input).quantization : undefined;
  ctx.emitWithOutputQuant(node.output, required, (out) =>
    ctx.addOp(code, [input, axisTensor], [out], BuiltinOptionsType.ReducerOptions, { keepDims }),
  );
}
