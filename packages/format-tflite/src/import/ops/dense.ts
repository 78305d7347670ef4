import type { Weight } from '@collabopt/core';
import type { TflOperator } from '../../schema/model-types';
import type { ImportContext } from '../context';
import { fusedActivation, inputAt, optBool, outputAt } from './common';

/**
 * FULLY_CONNECTED [input, weights [out, in], bias?] → Dense. Without keep_num_dims TFLite flattens
 * the input to [−1, in]; a rank > 2 input then gets a Reshape first.
 */
export function importFullyConnected(op: TflOperator, ctx: ImportContext): void {
  let x = ctx.value(inputAt(op, 0, ctx));
  const w = ctx.constant(inputAt(op, 1, ctx));
  if (w.shape.length !== 2) throw ctx.unsupported(`weights of shape [${w.shape.join(', ')}]`);
  const [units, inFeatures] = w.shape as [number, number];
  const kernel = ctx.weight(w.index, 'dense');
  const b = op.inputs[2];
  const bias: Record<string, Weight> =
    b === undefined || b < 0 ? {} : { bias: ctx.weight(b, 'vector') };
  const out = outputAt(op, ctx);
  const rank = x.shape?.length ?? 0;
  if (rank > 2 && !optBool(op, 'keepNumDims')) {
    const perExample = (x.shape ?? []).slice(1).reduce((a, d) => a * d, 1);
    if (perExample !== inFeatures)
      throw ctx.unsupported(
        `input ${x.shape?.join('x')} does not flatten to ${inFeatures} features per example`,
      );
    x = ctx.extraLayer(
      'Reshape',
      x,
      { targetShape: [inFeatures] },
      `${ctx.tensor(out).name}_flatten`,
    );
  }
  ctx.layer(
    'Dense',
    [x],
    { units, activation: fusedActivation(op, ctx), useBias: 'bias' in bias },
    { kernel, ...bias },
    out,
  );
}
