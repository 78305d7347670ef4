import {
  attrInt,
  attrInts,
  attrString,
  shapeFail,
  type OpDef,
  type ShapeContext,
} from '../op-registry';
import {
  ACTIVATION_ATTR,
  PADDING_ATTR,
  PAIR_ONES,
  USE_BIAS_ATTR,
  biasSlot,
  FUSABLE_ACTIVATIONS,
  kernelCapabilities,
  separableDepthwiseCapabilities,
} from './common-attrs';
import {
  convOutputLength,
  deconvOutputLength,
  requireKnown,
  requireRank,
  type Padding,
} from './shape-utils';

function spatialOut(ctx: ShapeContext, transposed = false): [number, number] {
  const [, h, w] = requireRank(ctx, 0, 4);
  const [kh, kw] = attrInts(ctx.attrs, 'kernelSize') as [number, number];
  const [sh, sw] = attrInts(ctx.attrs, 'strides') as [number, number];
  const [dh, dw] = attrInts(ctx.attrs, 'dilations') as [number, number];
  const padding = attrString(ctx.attrs, 'padding') as Padding;
  if (sh < 1 || sw < 1 || dh < 1 || dw < 1 || kh < 1 || kw < 1)
    shapeFail(ctx, 'kernel, strides and dilations must be ≥ 1');
  const f = transposed ? deconvOutputLength : convOutputLength;
  const oh = f(h!, kh, sh, padding, dh);
  const ow = f(w!, kw, sw, padding, dw);
  if (oh === 0 || ow === 0)
    shapeFail(ctx, `kernel ${kh}×${kw} does not fit input ${h}×${w} with padding '${padding}'`);
  return [oh, ow];
}

function inChannels(ctx: ShapeContext): number {
  return requireKnown(ctx, requireRank(ctx, 0, 4)[3]!, 'the input channel count');
}

const convAttrs = {
  kernelSize: { kind: 'ints', length: 2 },
  strides: PAIR_ONES,
  padding: PADDING_ATTR,
  dilations: PAIR_ONES,
  activation: ACTIVATION_ATTR,
  useBias: USE_BIAS_ATTR,
} as const;

export const conv2d: OpDef = {
  name: 'Conv2D',
  description: '2-D convolution, NHWC input, kernel [kh, kw, cin, filters]',
  attrs: { filters: { kind: 'int' }, ...convAttrs },
  minInputs: 1,
  maxInputs: 1,
  fusableActivations: FUSABLE_ACTIVATIONS,
  weights: [
    {
      name: 'kernel',
      role: 'kernel',
      capabilities: kernelCapabilities([3], true),
      shape: (ctx) => [
        ...attrInts(ctx.attrs, 'kernelSize'),
        inChannels(ctx),
        attrInt(ctx.attrs, 'filters'),
      ],
    },
    biasSlot((ctx) => [attrInt(ctx.attrs, 'filters')]),
  ],
  infer: (ctx) => {
    const [oh, ow] = spatialOut(ctx);
    return [
      { shape: [ctx.inputShapes[0]![0]!, oh, ow, attrInt(ctx.attrs, 'filters')], dtype: 'float32' },
    ];
  },
};

export const depthwiseConv2d: OpDef = {
  name: 'DepthwiseConv2D',
  description:
    'depthwise 2-D convolution, kernel [kh, kw, cin, depthMultiplier]; output channel c·m + j',
  attrs: { depthMultiplier: { kind: 'int', default: 1 }, ...convAttrs },
  minInputs: 1,
  maxInputs: 1,
  fusableActivations: FUSABLE_ACTIVATIONS,
  weights: [
    {
      name: 'kernel',
      role: 'kernel',
      capabilities: kernelCapabilities([2, 3], true),
      shape: (ctx) => [
        ...attrInts(ctx.attrs, 'kernelSize'),
        inChannels(ctx),
        attrInt(ctx.attrs, 'depthMultiplier'),
      ],
    },
    biasSlot((ctx) => [inChannels(ctx) * attrInt(ctx.attrs, 'depthMultiplier')]),
  ],
  infer: (ctx) => {
    const [oh, ow] = spatialOut(ctx);
    const c = ctx.inputShapes[0]![3]!;
    return [
      {
        shape: [ctx.inputShapes[0]![0]!, oh, ow, c * attrInt(ctx.attrs, 'depthMultiplier')],
        dtype: 'float32',
      },
    ];
  },
};

export const separableConv2d: OpDef = {
  name: 'SeparableConv2D',
  description: 'depthwise convolution followed by a 1×1 pointwise convolution',
  attrs: { filters: { kind: 'int' }, depthMultiplier: { kind: 'int', default: 1 }, ...convAttrs },
  minInputs: 1,
  maxInputs: 1,
  weights: [
    {
      name: 'depthwiseKernel',
      role: 'kernel',
      capabilities: separableDepthwiseCapabilities([2, 3]),
      shape: (ctx) => [
        ...attrInts(ctx.attrs, 'kernelSize'),
        inChannels(ctx),
        attrInt(ctx.attrs, 'depthMultiplier'),
      ],
    },
    {
      name: 'pointwiseKernel',
      role: 'kernel',
      capabilities: kernelCapabilities([3], true),
      shape: (ctx) => [
        1,
        1,
        inChannels(ctx) * attrInt(ctx.attrs, 'depthMultiplier'),
        attrInt(ctx.attrs, 'filters'),
      ],
    },
    biasSlot((ctx) => [attrInt(ctx.attrs, 'filters')]),
  ],
  infer: (ctx) => {
    const [oh, ow] = spatialOut(ctx);
    return [
      { shape: [ctx.inputShapes[0]![0]!, oh, ow, attrInt(ctx.attrs, 'filters')], dtype: 'float32' },
    ];
  },
};

export const conv2dTranspose: OpDef = {
  name: 'Conv2DTranspose',
  description: 'transposed 2-D convolution, kernel [kh, kw, filters, cin] (Keras layout)',
  attrs: { filters: { kind: 'int' }, ...convAttrs },
  minInputs: 1,
  maxInputs: 1,
  fusableActivations: FUSABLE_ACTIVATIONS,
  weights: [
    {
      name: 'kernel',
      role: 'kernel',
      capabilities: kernelCapabilities([2], true),
      shape: (ctx) => [
        ...attrInts(ctx.attrs, 'kernelSize'),
        attrInt(ctx.attrs, 'filters'),
        inChannels(ctx),
      ],
    },
    biasSlot((ctx) => [attrInt(ctx.attrs, 'filters')]),
  ],
  infer: (ctx) => {
    const [oh, ow] = spatialOut(ctx, true);
    return [
      { shape: [ctx.inputShapes[0]![0]!, oh, ow, attrInt(ctx.attrs, 'filters')], dtype: 'float32' },
    ];
  },
};
