import type { TflOperator } from '../../schema/model-types';
import type { ImportContext } from '../context';
import { inputAt, outputAt } from './common';

/**
 * DEQUANTIZE / QUANTIZE / DENSIFY. Of a constant (float16 or int8 weights, sparse weights): the
 * output is the same constant, decoded. Of an activation (model edges, requantization): the output
 * is the same IR value; int8 parameters become its annotation.
 */
export function importQuantizeLike(op: TflOperator, ctx: ImportContext): void {
  const input = inputAt(op, 0, ctx);
  const out = outputAt(op, ctx);
  if (ctx.isConstant(input)) {
    const c = ctx.constant(input);
    ctx.setDerivedConstant(out, { ...c, index: c.index });
    return;
  }
  const v = ctx.value(input);
  ctx.bind(out, v);
  if (!v.annotations.quant) ctx.annotateActivation(v, out);
}
