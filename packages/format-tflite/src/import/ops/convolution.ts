import type { TflOperator } from '../../schema/model-types';
import type { ImportContext } from '../context';
import { fusedActivation, inputAt, opt, outputAt, paddingAttr } from './common';

function biasWeight(
  op: TflOperator,
  index: number,
  ctx: ImportContext,
): Record<string, ReturnType<ImportContext['weight']>> {
  const b = op.inputs[index];
  return b === undefined || b < 0 ? {} : { bias: ctx.weight(b, 'vector') };
}

/** Strides, dilations, padding and fused activation shared by the convolution options tables. */
function windowAttrs(op: TflOperator, ctx: ImportContext, withDilations = true) {
  return {
    strides: [opt(op, 'strideH', 1), opt(op, 'strideW', 1)],
    ...(withDilations
      ? { dilations: [opt(op, 'dilationHFactor', 1), opt(op, 'dilationWFactor', 1)] }
      : {}),
    padding: paddingAttr(op, ctx),
    activation: fusedActivation(op, ctx),
  };
}

/** CONV_2D [input, filter OHWI, bias?] → Conv2D. */
export function importConv2d(op: TflOperator, ctx: ImportContext): void {
  const x = ctx.value(inputAt(op, 0, ctx));
  const filter = inputAt(op, 1, ctx);
  const kernel = ctx.weight(filter, 'conv');
  const [kh, kw, , cout] = kernel.tensor.shape as [number, number, number, number];
  const bias = biasWeight(op, 2, ctx);
  const out = outputAt(op, ctx);
  ctx.layer(
    'Conv2D',
    [x],
    {
      filters: cout,
      kernelSize: [kh, kw],
      ...windowAttrs(op, ctx),
      useBias: bias['bias'] !== undefined,
    },
    { kernel, ...bias },
    out,
  );
}

/** DEPTHWISE_CONV_2D [input, filter [1, kh, kw, cin·m], bias?] → DepthwiseConv2D. */
export function importDepthwiseConv2d(op: TflOperator, ctx: ImportContext): void {
  const x = ctx.value(inputAt(op, 0, ctx));
  const cin = x.shape?.[3] ?? -1;
  const filter = ctx.constant(inputAt(op, 1, ctx));
  const cout = filter.shape[3] ?? 0;
  if (filter.shape.length !== 4 || filter.shape[0] !== 1 || cin <= 0 || cout % cin !== 0) {
    throw ctx.unsupported(
      `depthwise filter shape [${filter.shape.join(', ')}] does not fit ${cin} input channels`,
    );
  }
  const kernel = ctx.weight(filter.index, 'depthwise', cin);
  const bias = biasWeight(op, 2, ctx);
  const out = outputAt(op, ctx);
  ctx.layer(
    'DepthwiseConv2D',
    [x],
    {
      depthMultiplier: cout / cin,
      kernelSize: [filter.shape[1]!, filter.shape[2]!],
      ...windowAttrs(op, ctx),
      useBias: bias['bias'] !== undefined,
    },
    { kernel, ...bias },
    out,
  );
}

/** TRANSPOSE_CONV [output_shape, filter [cout, kh, kw, cin], input, bias?] → Conv2DTranspose. */
export function importTransposeConv(op: TflOperator, ctx: ImportContext): void {
  const x = ctx.value(inputAt(op, 2, ctx));
  const kernel = ctx.weight(inputAt(op, 1, ctx), 'transposeConv');
  const [kh, kw, cout] = kernel.tensor.shape as [number, number, number, number];
  const bias = biasWeight(op, 3, ctx);
  const out = outputAt(op, ctx);
  ctx.layer(
    'Conv2DTranspose',
    [x],
    {
      filters: cout,
      kernelSize: [kh, kw],
      ...windowAttrs(op, ctx, false),
      useBias: bias['bias'] !== undefined,
    },
    { kernel, ...bias },
    out,
  );
}
