import {
  attrBool,
  attrInts,
  attrString,
  shapeFail,
  type OpDef,
  type OpQuantization,
  type ShapeContext,
} from '../op-registry';
import { PADDING_ATTR, SHARES_INPUT_PARAMS } from './common-attrs';
import { convOutputLength, requireRank, type Padding } from './shape-utils';

function poolInfer(ctx: ShapeContext): { shape: number[]; dtype: 'float32' }[] {
  const [n, h, w, c] = requireRank(ctx, 0, 4);
  const [ph, pw] = attrInts(ctx.attrs, 'poolSize') as [number, number];
  const strides = ctx.attrs['strides'];
  const [sh, sw] = (
    strides === null || strides === undefined ? [ph, pw] : (strides as number[])
  ) as [number, number];
  const padding = attrString(ctx.attrs, 'padding') as Padding;
  const oh = convOutputLength(h!, ph, sh, padding);
  const ow = convOutputLength(w!, pw, sw, padding);
  if (oh === 0 || ow === 0) shapeFail(ctx, `pool ${ph}×${pw} does not fit input ${h}×${w}`);
  return [{ shape: [n!, oh, ow, c!], dtype: 'float32' }];
}

function pool(name: string, description: string, quantization: OpQuantization): OpDef {
  return {
    name,
    description,
    quantization,
    attrs: {
      poolSize: { kind: 'ints', length: 2, default: [2, 2] },
      strides: { kind: 'any', default: null, description: 'defaults to poolSize' },
      padding: PADDING_ATTR,
    },
    minInputs: 1,
    maxInputs: 1,
    weights: [],
    infer: poolInfer,
  };
}

export const maxPool2d = pool('MaxPool2D', 'max pooling over NHWC windows', SHARES_INPUT_PARAMS);
/** Shares its input's parameters (TFLite requires it) but averages, so QAT rounds it again. */
export const avgPool2d = pool(
  'AvgPool2D',
  'average pooling over NHWC windows (padding excluded from the count)',
  { sharedParams: 'input' },
);

function globalPool(name: string, description: string, quantization?: OpQuantization): OpDef {
  return {
    name,
    description,
    ...(quantization ? { quantization } : {}),
    attrs: { keepDims: { kind: 'bool', default: false } },
    minInputs: 1,
    maxInputs: 1,
    weights: [],
    infer: (ctx) => {
      const [n, , , c] = requireRank(ctx, 0, 4);
      return [
        { shape: attrBool(ctx.attrs, 'keepDims') ? [n!, 1, 1, c!] : [n!, c!], dtype: 'float32' },
      ];
    },
  };
}

export const globalAvgPool = globalPool('GlobalAvgPool', 'mean over H and W');
/** REDUCE_MAX in TFLite: int8 input and output share parameters (TFMOT passes it through). */
export const globalMaxPool = globalPool('GlobalMaxPool', 'max over H and W', SHARES_INPUT_PARAMS);
