import { DTYPES } from '../tensor';
import {
  attrBool,
  attrInt,
  attrInts,
  attrPairs,
  attrString,
  shapeFail,
  type OpDef,
} from '../op-registry';
import type { DType } from '../tensor';
import { SHARES_INPUT_PARAMS } from './common-attrs';
import { UNKNOWN_DIM, normalizeAxis, requireRank } from './shape-utils';

export const input: OpDef = {
  name: 'Input',
  description: 'graph input; shape with −1 for the batch',
  attrs: { shape: { kind: 'ints' }, dtype: { kind: 'enum', values: DTYPES, default: 'float32' } },
  minInputs: 0,
  maxInputs: 0,
  weights: [],
  infer: (ctx) => [
    { shape: attrInts(ctx.attrs, 'shape'), dtype: attrString(ctx.attrs, 'dtype') as DType },
  ],
};

function knownProduct(dims: readonly number[]): number {
  return dims.some((d) => d < 0) ? UNKNOWN_DIM : dims.reduce((a, b) => a * b, 1);
}

export const reshape: OpDef = {
  name: 'Reshape',
  description: 'reshape every example to targetShape (batch kept; one entry may be −1)',
  attrs: { targetShape: { kind: 'ints' } },
  minInputs: 1,
  maxInputs: 1,
  quantization: SHARES_INPUT_PARAMS,
  weights: [],
  infer: (ctx) => {
    const s = ctx.inputShapes[0]!;
    const target = attrInts(ctx.attrs, 'targetShape');
    const total = knownProduct(s.slice(1));
    const wild = target.filter((d) => d === -1).length;
    if (wild > 1) shapeFail(ctx, 'targetShape may contain at most one −1');
    if (target.some((d) => d === 0 || d < -1))
      shapeFail(ctx, `targetShape [${target.join(', ')}] has an invalid entry`);
    const known = target.filter((d) => d !== -1).reduce((a, b) => a * b, 1);
    if (total >= 0) {
      if (wild === 1) {
        if (total % known !== 0)
          shapeFail(ctx, `cannot reshape [${s.join(', ')}] to [?, ${target.join(', ')}]`);
        return [
          {
            shape: [s[0]!, ...target.map((d) => (d === -1 ? total / known : d))],
            dtype: ctx.inputDtypes[0] ?? 'float32',
          },
        ];
      }
      if (known !== total)
        shapeFail(
          ctx,
          `cannot reshape [${s.join(', ')}] (${total} per example) to [?, ${target.join(', ')}]`,
        );
    }
    return [{ shape: [s[0]!, ...target], dtype: ctx.inputDtypes[0] ?? 'float32' }];
  },
};

export const flatten: OpDef = {
  name: 'Flatten',
  description: 'flatten every example to one dimension (row-major over H, W, C)',
  attrs: {},
  minInputs: 1,
  maxInputs: 1,
  quantization: SHARES_INPUT_PARAMS,
  weights: [],
  infer: (ctx) => {
    const s = ctx.inputShapes[0]!;
    return [{ shape: [s[0]!, knownProduct(s.slice(1))], dtype: ctx.inputDtypes[0] ?? 'float32' }];
  },
};

export const pad: OpDef = {
  name: 'Pad',
  description: 'zero (or constant) padding of H and W: padding [[top, bottom], [left, right]]',
  attrs: {
    padding: {
      kind: 'intPairs',
      default: [
        [1, 1],
        [1, 1],
      ],
    },
    constantValue: { kind: 'float', default: 0 },
  },
  minInputs: 1,
  maxInputs: 1,
  quantization: SHARES_INPUT_PARAMS,
  weights: [],
  infer: (ctx) => {
    const [n, h, w, c] = requireRank(ctx, 0, 4);
    const p = attrPairs(ctx.attrs, 'padding');
    if (p.length !== 2 || p.flat().some((x) => x < 0))
      shapeFail(ctx, 'padding must be two non-negative [before, after] pairs');
    const grow = (d: number, [a, b]: [number, number]): number => (d < 0 ? d : d + a + b);
    return [{ shape: [n!, grow(h!, p[0]!), grow(w!, p[1]!), c!], dtype: 'float32' }];
  },
};

export const concat: OpDef = {
  name: 'Concat',
  description: 'concatenate inputs along one axis',
  attrs: { axis: { kind: 'int', default: -1 } },
  minInputs: 1,
  maxInputs: Infinity,
  quantization: { sharedParams: 'inputs' },
  weights: [],
  infer: (ctx) => {
    const first = ctx.inputShapes[0]!;
    const axis = normalizeAxis(ctx, attrInt(ctx.attrs, 'axis'), first.length);
    const out = [...first];
    for (let i = 1; i < ctx.inputShapes.length; i++) {
      const s = ctx.inputShapes[i]!;
      if (s.length !== first.length)
        shapeFail(ctx, `input ${i} has rank ${s.length}, input 0 has rank ${first.length}`);
      s.forEach((d, j) => {
        if (j === axis) return;
        if (d !== first[j] && d >= 0 && first[j]! >= 0) {
          shapeFail(
            ctx,
            `input ${i} shape [${s.join(', ')}] does not match [${first.join(', ')}] outside axis ${axis}`,
          );
        }
      });
      out[axis] = out[axis]! < 0 || s[axis]! < 0 ? UNKNOWN_DIM : out[axis]! + s[axis]!;
    }
    return [{ shape: out, dtype: 'float32' }];
  },
};

export const mean: OpDef = {
  name: 'Mean',
  description: 'mean over the given axes',
  attrs: { axes: { kind: 'ints' }, keepDims: { kind: 'bool', default: false } },
  minInputs: 1,
  maxInputs: 1,
  weights: [],
  infer: (ctx) => {
    const s = ctx.inputShapes[0]!;
    const axes = new Set(attrInts(ctx.attrs, 'axes').map((a) => normalizeAxis(ctx, a, s.length)));
    const keep = attrBool(ctx.attrs, 'keepDims');
    const out: number[] = [];
    s.forEach((d, i) => {
      if (!axes.has(i)) out.push(d);
      else if (keep) out.push(1);
    });
    return [{ shape: out, dtype: 'float32' }];
  },
};

export const upsample2d: OpDef = {
  name: 'Upsample2D',
  description:
    'repeat rows/columns (nearest) or interpolate (bilinear, half-pixel) by integer factors',
  attrs: {
    size: { kind: 'ints', length: 2, default: [2, 2] },
    interpolation: { kind: 'enum', values: ['nearest', 'bilinear'], default: 'nearest' },
  },
  minInputs: 1,
  maxInputs: 1,
  quantization: {
    sharedParams: 'input',
    keepsInputGrid: (attrs) => attrs['interpolation'] === 'nearest',
  },
  weights: [],
  infer: (ctx) => {
    const [n, h, w, c] = requireRank(ctx, 0, 4);
    const [a, b] = attrInts(ctx.attrs, 'size') as [number, number];
    if (a < 1 || b < 1) shapeFail(ctx, 'size must be ≥ 1');
    return [{ shape: [n!, h! < 0 ? h! : h! * a, w! < 0 ? w! : w! * b, c!], dtype: 'float32' }];
  },
};
