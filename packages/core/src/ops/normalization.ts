import {
  FIXED_WEIGHT,
  attrInt,
  attrInts,
  type OpDef,
  type ShapeContext,
  type WeightSlot,
} from '../op-registry';
import { normalizeAxis, requireKnown } from './shape-utils';

function channelDim(ctx: ShapeContext): number {
  const s = ctx.inputShapes[0]!;
  const axis = normalizeAxis(ctx, attrInt(ctx.attrs, 'axis'), s.length);
  return requireKnown(ctx, s[axis]!, 'the normalised axis');
}

const perChannel = (
  name: string,
  role: WeightSlot['role'],
  present?: WeightSlot['present'],
): WeightSlot => ({
  name,
  role,
  capabilities: FIXED_WEIGHT,
  ...(present ? { present } : {}),
  shape: (ctx) => [channelDim(ctx)],
});

export const batchNorm: OpDef = {
  name: 'BatchNorm',
  description: 'batch normalisation over one axis: gamma·(x − mean)/sqrt(var + epsilon) + beta',
  attrs: {
    axis: { kind: 'int', default: -1 },
    epsilon: { kind: 'float', default: 1e-3 },
    momentum: { kind: 'float', default: 0.99 },
    center: { kind: 'bool', default: true },
    scale: { kind: 'bool', default: true },
  },
  minInputs: 1,
  maxInputs: 1,
  weights: [
    perChannel('gamma', 'scale', (a) => a['scale'] === true),
    perChannel('beta', 'offset', (a) => a['center'] === true),
    perChannel('movingMean', 'statistic'),
    perChannel('movingVariance', 'statistic'),
  ],
  infer: (ctx) => [{ shape: [...ctx.inputShapes[0]!], dtype: 'float32' }],
};

function normShape(ctx: ShapeContext): number[] {
  const s = ctx.inputShapes[0]!;
  return attrInts(ctx.attrs, 'axis').map((a) =>
    requireKnown(ctx, s[normalizeAxis(ctx, a, s.length)]!, 'a normalised axis'),
  );
}

export const layerNorm: OpDef = {
  name: 'LayerNorm',
  description: 'layer normalisation over the given axes (statistics per example)',
  attrs: {
    axis: { kind: 'ints', default: [-1] },
    epsilon: { kind: 'float', default: 1e-3 },
    center: { kind: 'bool', default: true },
    scale: { kind: 'bool', default: true },
  },
  minInputs: 1,
  maxInputs: 1,
  weights: [
    {
      name: 'gamma',
      role: 'scale',
      capabilities: FIXED_WEIGHT,
      present: (a) => a['scale'] === true,
      shape: normShape,
    },
    {
      name: 'beta',
      role: 'offset',
      capabilities: FIXED_WEIGHT,
      present: (a) => a['center'] === true,
      shape: normShape,
    },
  ],
  infer: (ctx) => [{ shape: [...ctx.inputShapes[0]!], dtype: 'float32' }],
};
