/** MaxPool/AveragePool, GlobalAveragePool/GlobalMaxPool and ReduceMean. */
import { nchwAxisToNhwc } from '../../layout';
import {
  FLT_MAX,
  type ImportContext,
  constIn,
  emit,
  optConstIn,
  spatial,
  valueIn,
} from '../context';
import { normAxis } from '../fold';
import { NodeReader } from '../node-reader';
import { padFirst, windowPadding } from './convolution';

export function importPool(ctx: ImportContext, r: NodeReader): void {
  const x = valueIn(ctx, r, 0);
  const hw = spatial(ctx, r, x);
  const kernel = r.ints('kernel_shape');
  if (kernel === undefined || kernel.length !== 2)
    r.fail('kernel_shape must have 2 entries', 'ONNX_BAD_ATTRIBUTE');
  const strides = r.ints('strides') ?? [1, 1];
  const dilations = r.ints('dilations') ?? [1, 1];
  if (dilations.some((d) => d !== 1)) r.fail('dilated pooling is not supported');
  const isMax = r.node.opType === 'MaxPool';
  if ((r.node.output ?? []).length > 1 && (r.node.output ?? [])[1])
    r.fail('the Indices output of MaxPool is not supported');
  let { padding, explicit } = windowPadding(r, hw, kernel, strides, [1, 1]);
  if (r.int('ceil_mode', 0) === 1) {
    const p = explicit ?? (padding === 'same' ? [0, 1].flatMap(() => [0, 0]) : [0, 0, 0, 0]);
    if (padding === 'valid') {
      const extra = [0, 1].map((i) => {
        const len = hw[i]! + p[i]! + p[i + 2]! - kernel[i]!;
        return Math.ceil(len / strides[i]!) !== Math.floor(len / strides[i]!)
          ? strides[i]! - (len % strides[i]!)
          : 0;
      });
      if (extra.some((e) => e > 0)) {
        if (!isMax) r.fail('ceil_mode with a partial last window is only supported for MaxPool');
        explicit = [p[0]!, p[1]!, p[2]! + extra[0]!, p[3]! + extra[1]!];
      }
    }
  }
  let input = x.v;
  if (explicit) {
    if (!isMax && r.int('count_include_pad', 0) !== 1)
      r.fail('asymmetric pads with count_include_pad = 0 cannot be expressed as Keras padding');
    input = padFirst(ctx, r, x, explicit, isMax ? -FLT_MAX : 0);
    padding = 'valid';
  } else if (!isMax && padding === 'same' && r.int('count_include_pad', 0) === 1) {
    r.fail('count_include_pad = 1 with same padding is not supported');
  }
  emit(
    ctx,
    r,
    isMax ? 'MaxPool2D' : 'AvgPool2D',
    [input],
    { poolSize: kernel, strides, padding },
    {},
    'nchw',
  );
}

export function importGlobalPool(ctx: ImportContext, r: NodeReader): void {
  const x = valueIn(ctx, r, 0);
  spatial(ctx, r, x);
  emit(
    ctx,
    r,
    r.node.opType === 'GlobalAveragePool' ? 'GlobalAvgPool' : 'GlobalMaxPool',
    [x.v],
    { keepDims: true },
    {},
    'nchw',
  );
}

export function importReduceMean(ctx: ImportContext, r: NodeReader): void {
  const x = valueIn(ctx, r, 0);
  const rank = x.v.shape!.length;
  const axesList =
    ctx.opset >= 18
      ? optConstIn(ctx, r, 1, 'axes')
        ? Array.from(constIn(ctx, r, 1, 'axes').values)
        : undefined
      : r.ints('axes');
  if (axesList === undefined || axesList.length === 0)
    r.fail('ReduceMean over all axes (no axes) is not supported');
  const axes = axesList.map((a) => normAxis(a, rank, r.where));
  const keep = r.int('keepdims', 1) === 1;
  if (axes.includes(0)) r.fail('reducing the batch axis is not supported');
  let layout: 'nchw' | 'plain' = x.layout;
  if (x.layout === 'nchw' && !keep) {
    if (!(axes.length === 2 && axes.includes(2) && axes.includes(3)))
      r.fail('ReduceMean of an NCHW map without keepdims must reduce H and W');
    layout = 'plain';
  }
  const irAxes = axes
    .map((a) => (x.layout === 'nchw' ? nchwAxisToNhwc(a, rank) : a))
    .sort((p, q) => p - q);
  emit(ctx, r, 'Mean', [x.v], { axes: irAxes, keepDims: keep }, {}, layout);
}
