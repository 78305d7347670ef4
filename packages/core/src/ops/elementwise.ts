import { attrInt, type OpDef } from '../op-registry';
import { ACTIVATION_ATTR, SHARES_INPUT_PARAMS } from './common-attrs';
import { broadcastShapes, normalizeAxis } from './shape-utils';

const ACTIVATION_PARAM = { kind: 'any', default: null } as const;

export const activation: OpDef = {
  name: 'Activation',
  description:
    'element-wise activation (softmax over the last axis); alpha/beta parameterise leaky_relu, elu, hard_sigmoid',
  attrs: {
    activation: { ...ACTIVATION_ATTR, default: undefined },
    alpha: ACTIVATION_PARAM,
    beta: ACTIVATION_PARAM,
  },
  minInputs: 1,
  maxInputs: 1,
  weights: [],
  infer: (ctx) => [{ shape: [...ctx.inputShapes[0]!], dtype: 'float32' }],
};

export const softmax: OpDef = {
  name: 'Softmax',
  description: 'softmax along one axis',
  attrs: { axis: { kind: 'int', default: -1 } },
  minInputs: 1,
  maxInputs: 1,
  weights: [],
  infer: (ctx) => {
    normalizeAxis(ctx, attrInt(ctx.attrs, 'axis'), ctx.inputShapes[0]!.length);
    return [{ shape: [...ctx.inputShapes[0]!], dtype: 'float32' }];
  },
};

function binary(name: string, description: string, variadic: boolean): OpDef {
  return {
    name,
    description,
    attrs: { activation: ACTIVATION_ATTR },
    minInputs: 2,
    maxInputs: variadic ? Infinity : 2,
    weights: [],
    infer: (ctx) => [{ shape: broadcastShapes(ctx, ctx.inputShapes), dtype: 'float32' }],
  };
}

export const add = binary('Add', 'element-wise sum of all inputs (numpy broadcasting)', true);
export const sub = binary(
  'Sub',
  'element-wise difference of two inputs (numpy broadcasting)',
  false,
);
export const mul = binary('Mul', 'element-wise product of all inputs (numpy broadcasting)', true);

export const dropout: OpDef = {
  name: 'Dropout',
  description: 'dropout (identity at inference)',
  attrs: { rate: { kind: 'float', default: 0.5 } },
  minInputs: 1,
  maxInputs: 1,
  quantization: SHARES_INPUT_PARAMS,
  weights: [],
  infer: (ctx) => [{ shape: [...ctx.inputShapes[0]!], dtype: ctx.inputDtypes[0] ?? 'float32' }],
};
