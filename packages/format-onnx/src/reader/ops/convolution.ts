/** Conv (plain, depthwise) and ConvTranspose → Conv2D, DepthwiseConv2D, Conv2DTranspose. */
import { type Tensor, type Value, type Weight, samePadding } from '@collabopt/core';
import { oihwToConvKernel, oihwToDepthwiseKernel, onnxToDeconvKernel } from '../../layout';
import {
  type ImportContext,
  type Sym,
  constIn,
  emit,
  optConstIn,
  spatial,
  valueIn,
} from '../context';
import { constToFloat32 } from '../fold';
import { NodeReader, sameInts } from '../node-reader';
import { quantizedWeight } from './quantization';

/** IR padding for ONNX window padding, or explicit pads [top, left, bottom, right] to apply first. */
export function windowPadding(
  r: NodeReader,
  hw: [number, number],
  kernel: number[],
  strides: number[],
  dilations: number[],
): { padding: 'same' | 'valid'; explicit?: number[] } {
  const autoPad = r.string('auto_pad', 'NOTSET');
  let pads = r.ints('pads') ?? [0, 0, 0, 0];
  if (pads.length !== 4)
    r.fail(`pads [${pads.join(', ')}] must have 4 entries`, 'ONNX_BAD_ATTRIBUTE');
  const same = [0, 1].map((i) => samePadding(hw[i]!, kernel[i]!, strides[i]!, dilations[i]!));
  if (autoPad === 'SAME_UPPER') return { padding: 'same' };
  if (autoPad === 'VALID') return { padding: 'valid' };
  if (autoPad === 'SAME_LOWER') pads = [same[0]![1], same[1]![1], same[0]![0], same[1]![0]];
  else if (autoPad !== 'NOTSET')
    r.fail(`auto_pad ${autoPad} is not supported`, 'ONNX_BAD_ATTRIBUTE');
  if (pads.some((p) => p < 0)) r.fail('negative pads are not supported');
  if (pads.every((p) => p === 0)) return { padding: 'valid' };
  if (
    pads[0] === same[0]![0] &&
    pads[2] === same[0]![1] &&
    pads[1] === same[1]![0] &&
    pads[3] === same[1]![1]
  )
    return { padding: 'same' };
  return { padding: 'valid', explicit: pads };
}

export function padFirst(
  ctx: ImportContext,
  r: NodeReader,
  x: Sym,
  pads: number[],
  value: number,
): Value {
  const padded = emit(
    ctx,
    r,
    'Pad',
    [x.v],
    {
      padding: [
        [pads[0]!, pads[2]!],
        [pads[1]!, pads[3]!],
      ],
      constantValue: value,
    },
    {},
    'nchw',
    '_pad',
  );
  // Padding shares its input's quantization (QDQ models).
  const { quant, range } = x.v.annotations;
  if (quant) padded.annotations.quant = quant;
  if (range) padded.annotations.range = range;
  return padded;
}

export function importConv(ctx: ImportContext, r: NodeReader): void {
  const x = valueIn(ctx, r, 0);
  const hw = spatial(ctx, r, x);
  const w = constIn(ctx, r, 1, 'weight');
  const b = optConstIn(ctx, r, 2, 'bias');
  if (w.shape.length !== 4) r.fail(`weight must be rank 4 (OIHW), got [${w.shape.join(', ')}]`);
  const [cout, cinPerGroup, kh, kw] = w.shape as [number, number, number, number];
  const kernel = r.ints('kernel_shape') ?? [kh, kw];
  const strides = r.ints('strides') ?? [1, 1];
  const dilations = r.ints('dilations') ?? [1, 1];
  const group = r.int('group', 1);
  const cin = x.v.shape![3]!;
  const { padding, explicit } = windowPadding(r, hw, kernel, strides, dilations);
  const input = explicit ? padFirst(ctx, r, x, explicit, 0) : x.v;
  const common = { kernelSize: [kh, kw], strides, dilations, padding, useBias: b !== undefined };
  const bias: Record<string, Tensor | Weight> = b
    ? { bias: quantizedWeight(ctx, b, constToFloat32({ ...b, shape: [b.values.length] }), 0) }
    : {};
  const wt = constToFloat32(w);
  if (group === 1) {
    if (cinPerGroup !== cin)
      r.fail(`weight has ${cinPerGroup} input channels, input has ${cin}`, 'ONNX_BAD_SHAPE');
    emit(
      ctx,
      r,
      'Conv2D',
      [input],
      { filters: cout, ...common },
      { kernel: quantizedWeight(ctx, w, oihwToConvKernel(wt), 0), ...bias },
      'nchw',
    );
  } else if (group === cin && cinPerGroup === 1 && cout % cin === 0) {
    emit(
      ctx,
      r,
      'DepthwiseConv2D',
      [input],
      { depthMultiplier: cout / cin, ...common },
      { kernel: quantizedWeight(ctx, w, oihwToDepthwiseKernel(wt, cin), 0), ...bias },
      'nchw',
    );
  } else {
    r.fail(
      `grouped convolution with group ${group} (input channels ${cin}) is not supported; only group 1 and depthwise`,
    );
  }
}

export function importConvTranspose(ctx: ImportContext, r: NodeReader): void {
  const x = valueIn(ctx, r, 0);
  const hw = spatial(ctx, r, x);
  const w = constIn(ctx, r, 1, 'weight');
  const b = optConstIn(ctx, r, 2, 'bias');
  if (w.shape.length !== 4) r.fail('weight must be rank 4');
  if (r.int('group', 1) !== 1) r.fail('grouped ConvTranspose is not supported');
  const [cin, cout, kh, kw] = w.shape as [number, number, number, number];
  if (cin !== x.v.shape![3])
    r.fail(`weight has ${cin} input channels, input has ${x.v.shape![3]}`, 'ONNX_BAD_SHAPE');
  const strides = r.ints('strides') ?? [1, 1];
  const dilations = r.ints('dilations') ?? [1, 1];
  const pads = r.ints('pads') ?? [0, 0, 0, 0];
  const outPad = r.ints('output_padding') ?? [0, 0];
  const autoPad = r.string('auto_pad', 'NOTSET');
  const outSize = [0, 1].map(
    (i) =>
      strides[i]! * (hw[i]! - 1) +
      outPad[i]! +
      (([kh, kw][i]! - 1) * dilations[i]! + 1) -
      pads[i]! -
      pads[i + 2]!,
  );
  const explicitShape = r.ints('output_shape');
  let padding: 'same' | 'valid' | undefined;
  const valid = [0, 1].map(
    (i) => hw[i]! * strides[i]! + Math.max(([kh, kw][i]! - 1) * dilations[i]! + 1 - strides[i]!, 0),
  );
  const same = [0, 1].map((i) => hw[i]! * strides[i]!);
  if (autoPad === 'SAME_UPPER' || (explicitShape && sameInts(explicitShape.slice(-2), same)))
    padding = 'same';
  else if (autoPad === 'NOTSET' && !explicitShape) {
    const samePads = [0, 1].map((i) => {
      const total = Math.max(([kh, kw][i]! - 1) * dilations[i]! + 1 - strides[i]!, 0);
      return [Math.floor(total / 2), total - Math.floor(total / 2)];
    });
    if (sameInts(outSize, valid) && pads.every((p) => p === 0)) padding = 'valid';
    else if (
      sameInts(outSize, same) &&
      pads[0] === samePads[0]![0] &&
      pads[2] === samePads[0]![1] &&
      pads[1] === samePads[1]![0] &&
      pads[3] === samePads[1]![1]
    )
      padding = 'same';
  }
  if (padding === undefined)
    r.fail(
      'pads/output_padding/output_shape do not match a Keras "same" or "valid" transposed convolution',
    );
  const bias: Record<string, Tensor | Weight> = b
    ? { bias: quantizedWeight(ctx, b, constToFloat32({ ...b, shape: [b.values.length] }), 0) }
    : {};
  emit(
    ctx,
    r,
    'Conv2DTranspose',
    [x.v],
    { filters: cout, kernelSize: [kh, kw], strides, dilations, padding, useBias: b !== undefined },
    { kernel: quantizedWeight(ctx, w, onnxToDeconvKernel(constToFloat32(w)), 1), ...bias },
    'nchw',
  );
}
