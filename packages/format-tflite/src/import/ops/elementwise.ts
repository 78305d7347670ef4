import { tensor, type Value, type Weight } from '@collabopt/core';
import { BuiltinOperator as Op } from '../../schema/enums';
import type { TflOperator } from '../../schema/model-types';
import type { ImportContext } from '../context';
import { fusedActivation, inputAt, outputAt } from './common';

const NAMES: Record<number, string> = { [Op.ADD]: 'Add', [Op.SUB]: 'Sub', [Op.MUL]: 'Mul' };

/**
 * ADD / SUB / MUL → Add / Sub / Mul (fused relu/relu6 kept as activation). With one constant
 * operand that is a scalar or one value per channel (Keras Rescaling, unfolded scale/offset), the
 * op is the per-channel affine map x·s + t, imported exactly as a 1×1 DepthwiseConv2D (NHWC) or a
 * diagonal Dense (rank 2).
 */
export function importBinary(code: number) {
  return (op: TflOperator, ctx: ImportContext): void => {
    const ia = inputAt(op, 0, ctx);
    const ib = inputAt(op, 1, ctx);
    const ca = ctx.isConstant(ia);
    const cb = ctx.isConstant(ib);
    if (ca && cb) throw ctx.unsupported('both operands are constants');
    if (ca || cb) {
      importAffine(op, code, ctx, ctx.value(ca ? ib : ia), ca ? ia : ib, ca);
      return;
    }
    ctx.layer(
      NAMES[code]!,
      [ctx.value(ia), ctx.value(ib)],
      { activation: fusedActivation(op, ctx) },
      {},
      outputAt(op, ctx),
    );
  };
}

function importAffine(
  op: TflOperator,
  code: number,
  ctx: ImportContext,
  x: Value,
  constIndex: number,
  constFirst: boolean,
): void {
  const shape = x.shape ?? [];
  const rank = shape.length;
  const channels = shape[rank - 1] ?? -1;
  const c = ctx.constant(constIndex);
  const perChannel = c.values.length === channels && c.shape.slice(0, -1).every((d) => d === 1);
  if (channels <= 0 || (c.values.length !== 1 && !perChannel) || (rank !== 4 && rank !== 2)) {
    throw ctx.unsupported(
      `constant operand of shape [${c.shape.join(', ')}] for an input of shape [${shape.join(', ')}] (only a scalar or one value per channel, NHWC or rank-2 input)`,
    );
  }
  const at = (i: number): number => c.values[c.values.length === 1 ? 0 : i]!;
  const scale = new Float32Array(channels);
  const bias = new Float32Array(channels);
  for (let i = 0; i < channels; i++) {
    if (code === Op.MUL) {
      scale[i] = at(i);
    } else if (code === Op.ADD) {
      scale[i] = 1;
      bias[i] = at(i);
    } else {
      scale[i] = constFirst ? -1 : 1;
      bias[i] = constFirst ? at(i) : -at(i);
    }
  }
  const useBias = code !== Op.MUL;
  const weights: Record<string, Weight> = {};
  if (useBias) weights['bias'] = { tensor: tensor('float32', [channels], bias), annotations: {} };
  const activation = fusedActivation(op, ctx);
  const out = outputAt(op, ctx);
  if (rank === 4) {
    weights['kernel'] = { tensor: tensor('float32', [1, 1, channels, 1], scale), annotations: {} };
    ctx.layer(
      'DepthwiseConv2D',
      [x],
      { kernelSize: [1, 1], depthMultiplier: 1, padding: 'valid', activation, useBias },
      weights,
      out,
    );
    return;
  }
  const diag = new Float32Array(channels * channels);
  for (let i = 0; i < channels; i++) diag[i * channels + i] = scale[i]!;
  weights['kernel'] = { tensor: tensor('float32', [channels, channels], diag), annotations: {} };
  ctx.layer('Dense', [x], { units: channels, activation, useBias }, weights, out);
}
