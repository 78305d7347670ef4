import { BuiltinOperator as Op } from '../../schema/enums';
import type { TflOperator } from '../../schema/model-types';
import type { ImportContext } from '../context';
import { inputAt, opt, outputAt } from './common';

const KINDS: Record<number, string> = {
  [Op.RELU]: 'relu',
  [Op.RELU6]: 'relu6',
  [Op.LOGISTIC]: 'sigmoid',
  [Op.TANH]: 'tanh',
  [Op.LEAKY_RELU]: 'leaky_relu',
  [Op.HARD_SWISH]: 'hard_swish',
  [Op.ELU]: 'elu',
};

/** RELU / RELU6 / LOGISTIC / TANH / LEAKY_RELU / HARD_SWISH / ELU → Activation. */
export function importActivation(code: number) {
  return (op: TflOperator, ctx: ImportContext): void => {
    const x = ctx.value(inputAt(op, 0, ctx));
    const attrs: Record<string, string | number> = { activation: KINDS[code]! };
    if (code === Op.LEAKY_RELU) attrs['alpha'] = opt(op, 'alpha', 0);
    ctx.layer('Activation', [x], attrs, {}, outputAt(op, ctx));
  };
}

/** SOFTMAX (beta 1) → Softmax over the last axis. */
export function importSoftmax(op: TflOperator, ctx: ImportContext): void {
  const beta = opt(op, 'beta', 1);
  if (Math.abs(beta - 1) > 1e-6) throw ctx.unsupported(`softmax beta ${beta} (only 1 is mapped)`);
  const x = ctx.value(inputAt(op, 0, ctx));
  ctx.layer('Softmax', [x], { axis: -1 }, {}, outputAt(op, ctx));
}
