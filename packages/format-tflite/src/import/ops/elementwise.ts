import { BuiltinOperator as Op } from '../../schema/enums';
import type { TflOperator } from '../../schema/model-types';
import type { ImportContext } from '../context';
import { fusedActivation, inputAt, outputAt } from './common';

const NAMES: Record<number, string> = { [Op.ADD]: 'Add', [Op.SUB]: 'Sub', [Op.MUL]: 'Mul' };

/** ADD / SUB / MUL of two activations → Add / Sub / Mul (fused relu/relu6 kept as activation). */
export function importBinary(code: number) {
  return (op: TflOperator, ctx: ImportContext): void => {
    const a = ctx.value(inputAt(op, 0, ctx));
    const b = ctx.value(inputAt(op, 1, ctx));
    ctx.layer(NAMES[code]!, [a, b], { activation: fusedActivation(op, ctx) }, {}, outputAt(op, ctx));
  };
}
