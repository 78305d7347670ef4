import { BuiltinOperator as Op } from '../../schema/enums';
import type { TflOperator } from '../../schema/model-types';
import type { ImportContext } from '../context';
import { inputAt, opt, optBool, outputAt, paddingAttr, withActivation } from './common';

/** MAX_POOL_2D / AVERAGE_POOL_2D → MaxPool2D / AvgPool2D (+ Activation for a fused one). */
export function importPool(code: number) {
  return (op: TflOperator, ctx: ImportContext): void => {
    const x = ctx.value(inputAt(op, 0, ctx));
    const out = outputAt(op, ctx);
    const attrs = {
      poolSize: [opt(op, 'filterHeight', 1), opt(op, 'filterWidth', 1)],
      strides: [opt(op, 'strideH', 1), opt(op, 'strideW', 1)],
      padding: paddingAttr(op, ctx),
    };
    const irOp = code === Op.MAX_POOL_2D ? 'MaxPool2D' : 'AvgPool2D';
    withActivation(
      ctx,
      op,
      (act) =>
        act === 'linear'
          ? ctx.layer(irOp, [x], attrs, {}, out)
          : ctx.extraLayer(irOp, x, attrs, `${ctx.tensor(out).name}_pool`),
      out,
    );
  };
}

/** MEAN / REDUCE_MAX over constant axes → GlobalAvgPool / GlobalMaxPool (axes 1,2 of NHWC) or Mean. */
export function importReduce(code: number) {
  return (op: TflOperator, ctx: ImportContext): void => {
    const x = ctx.value(inputAt(op, 0, ctx));
    const rank = x.shape?.length ?? 0;
    const axesConst = ctx.constant(inputAt(op, 1, ctx));
    const axes = [...(axesConst.ints ?? [])]
      .map((a) => (a < 0 ? a + rank : a))
      .sort((a, b) => a - b);
    if (axes.some((a) => a < 0 || a >= rank))
      throw ctx.unsupported(`axes [${axes.join(', ')}] outside rank ${rank}`);
    if (axes.includes(0)) throw ctx.unsupported('reducing over the batch axis');
    const keepDims = optBool(op, 'keepDims');
    const out = outputAt(op, ctx);
    const global = rank === 4 && axes.length === 2 && axes[0] === 1 && axes[1] === 2;
    if (code === Op.REDUCE_MAX) {
      if (!global)
        throw ctx.unsupported(
          'REDUCE_MAX is only mapped over the spatial axes (global max pooling)',
        );
      ctx.layer('GlobalMaxPool', [x], { keepDims }, {}, out);
      return;
    }
    if (global) ctx.layer('GlobalAvgPool', [x], { keepDims }, {}, out);
    else ctx.layer('Mean', [x], { axes, keepDims }, {}, out);
  };
}
