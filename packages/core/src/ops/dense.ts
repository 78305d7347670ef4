import { attrInt, shapeFail, type OpDef } from '../op-registry';
import {
  ACTIVATION_ATTR,
  FUSABLE_ACTIVATIONS,
  USE_BIAS_ATTR,
  biasSlot,
  kernelCapabilities,
} from './common-attrs';
import { requireKnown } from './shape-utils';

export const dense: OpDef = {
  name: 'Dense',
  description: 'fully connected layer on the last axis, kernel [in, units]',
  attrs: { units: { kind: 'int' }, activation: ACTIVATION_ATTR, useBias: USE_BIAS_ATTR },
  minInputs: 1,
  maxInputs: 1,
  fusableActivations: FUSABLE_ACTIVATIONS,
  weights: [
    {
      name: 'kernel',
      role: 'kernel',
      capabilities: kernelCapabilities([1], false),
      shape: (ctx) => {
        const s = ctx.inputShapes[0]!;
        return [
          requireKnown(ctx, s[s.length - 1]!, 'the input feature count'),
          attrInt(ctx.attrs, 'units'),
        ];
      },
    },
    biasSlot((ctx) => [attrInt(ctx.attrs, 'units')]),
  ],
  infer: (ctx) => {
    const s = ctx.inputShapes[0]!;
    if (s.length < 2) shapeFail(ctx, `Dense input must have rank ≥ 2, got [${s.join(', ')}]`);
    return [{ shape: [...s.slice(0, -1), attrInt(ctx.attrs, 'units')], dtype: 'float32' }];
  },
};
