/** Activations (fused into the producer where its op entry allows it), Clip and Softmax. */
import { type Attributes } from '@collabopt/core';
import { nchwAxisToNhwc } from '../../layout';
import {
  FLT_MAX,
  type ImportContext,
  alias,
  emit,
  onnxShapeOf,
  optConstIn,
  valueIn,
} from '../context';
import { normAxis } from '../fold';
import { NodeReader } from '../node-reader';

export const SIMPLE_ACTIVATIONS: Record<string, string> = {
  Relu: 'relu',
  Sigmoid: 'sigmoid',
  Tanh: 'tanh',
  HardSwish: 'hard_swish',
  Softplus: 'softplus',
};

export function importActivation(
  ctx: ImportContext,
  r: NodeReader,
  kind: string,
  alpha?: number,
  beta?: number,
): void {
  const x = valueIn(ctx, r, 0);
  const inName = (r.node.input ?? [])[0]!;
  const producer = x.v.producer;
  if (
    ctx.fuse &&
    alpha === undefined &&
    ctx.registry.canFuseActivation(producer.op, kind) &&
    (producer.attrs['activation'] ?? 'linear') === 'linear' &&
    x.v.annotations.quant === undefined &&
    ctx.uses.get(inName) === 1 &&
    !ctx.graphOutputs.has(inName)
  ) {
    producer.attrs['activation'] = kind;
    alias(ctx, r, x);
    return;
  }
  const attrs: Attributes = { activation: kind };
  if (alpha !== undefined) attrs['alpha'] = alpha;
  if (beta !== undefined) attrs['beta'] = beta;
  emit(ctx, r, 'Activation', [x.v], attrs, {}, x.layout);
}

export function importClip(ctx: ImportContext, r: NodeReader): void {
  let lo: number;
  let hi: number;
  if (ctx.opset < 11) {
    lo = r.float('min', -Infinity);
    hi = r.float('max', Infinity);
  } else {
    lo = optConstIn(ctx, r, 1, 'min')?.values[0] ?? -Infinity;
    hi = optConstIn(ctx, r, 2, 'max')?.values[0] ?? Infinity;
  }
  if (lo === 0 && hi === 6) return importActivation(ctx, r, 'relu6');
  if (lo === 0 && (hi === Infinity || hi >= FLT_MAX)) return importActivation(ctx, r, 'relu');
  r.fail(`Clip(${lo}, ${hi}) has no IR equivalent (only Clip(0, 6) → relu6 and Clip(0, ∞) → relu)`);
}

export function importSoftmax(ctx: ImportContext, r: NodeReader): void {
  const x = valueIn(ctx, r, 0);
  const rank = x.v.shape!.length;
  const axis = normAxis(r.int('axis', ctx.opset < 13 ? 1 : -1), rank, r.where);
  if (ctx.opset < 13 && axis !== rank - 1) {
    const onnx = onnxShapeOf(x);
    if (onnx.slice(axis + 1).some((d) => d !== 1))
      r.fail('opset < 13 Softmax over several axes (flattened) is not supported');
  }
  const irAxis = x.layout === 'nchw' ? nchwAxisToNhwc(axis, rank) : axis;
  emit(ctx, r, 'Softmax', [x.v], { axis: irAxis === rank - 1 ? -1 : irAxis }, {}, x.layout);
}
