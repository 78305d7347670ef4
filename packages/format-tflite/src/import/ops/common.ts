import type { Value } from '@collabopt/core';
import { Activation, Padding } from '../../schema/enums';
import type { TflOperator } from '../../schema/model-types';
import type { ImportContext } from '../context';

export type OperatorImporter = (op: TflOperator, ctx: ImportContext) => void;

export function opt(op: TflOperator, name: string, def: number): number {
  const v = op.builtinOptions?.[name];
  return typeof v === 'number' ? v : def;
}

export function optBool(op: TflOperator, name: string): boolean {
  return op.builtinOptions?.[name] === true;
}

export function paddingAttr(op: TflOperator, ctx: ImportContext): 'same' | 'valid' {
  const p = opt(op, 'padding', Padding.SAME);
  if (p === Padding.SAME) return 'same';
  if (p === Padding.VALID) return 'valid';
  throw ctx.unsupported(`padding ${p}`);
}

/** IR activation attribute for a TFLite fused activation (NONE / RELU / RELU6). */
export function fusedActivation(op: TflOperator, ctx: ImportContext): 'linear' | 'relu' | 'relu6' {
  const f = opt(op, 'fusedActivationFunction', Activation.NONE);
  switch (f) {
    case Activation.NONE:
      return 'linear';
    case Activation.RELU:
      return 'relu';
    case Activation.RELU6:
      return 'relu6';
    default:
      throw ctx.unsupported(`fused activation ${f} (only NONE, RELU, RELU6 are mapped)`);
  }
}

/** Required tensor input `i` of an operator. */
export function inputAt(op: TflOperator, i: number, ctx: ImportContext): number {
  const t = op.inputs[i];
  if (t === undefined || t < 0) throw ctx.unsupported(`input ${i} is missing`);
  return t;
}

export function outputAt(op: TflOperator, ctx: ImportContext, i = 0): number {
  const t = op.outputs[i];
  if (t === undefined || t < 0) throw ctx.unsupported(`output ${i} is missing`);
  ctx.tensor(t);
  return t;
}

/** For ops without a fused-activation attribute in the IR: add the activation as its own node. */
export function withActivation(
  ctx: ImportContext,
  op: TflOperator,
  build: (act: string) => Value,
  out: number,
): void {
  const act = fusedActivation(op, ctx);
  if (act === 'linear') {
    build('linear');
    return;
  }
  const tname = ctx.tensor(out).name;
  const pre = build(act);
  const value = ctx.extraLayer('Activation', pre, { activation: act }, `${tname}_${act}`);
  ctx.checkShape(value, out);
  ctx.bind(out, value);
  ctx.annotateActivation(value, out);
}
