import { shapeFail, type ShapeContext } from '../op-registry';

/** −1 marks an unknown dimension (the symbolic batch). */
export const UNKNOWN_DIM = -1;

export type Padding = 'same' | 'valid';

/**
 * Output length of a strided window along one spatial dimension (TensorFlow/Keras semantics).
 * same: ceil(in / stride); valid: ceil((in − (k − 1)·d) / stride).
 */
export function convOutputLength(
  input: number,
  kernel: number,
  stride: number,
  padding: Padding,
  dilation = 1,
): number {
  if (input < 0) return UNKNOWN_DIM;
  if (padding === 'same') return Math.ceil(input / stride);
  const effective = (kernel - 1) * dilation + 1;
  return Math.max(0, Math.ceil((input - effective + 1) / stride));
}

/** Total (before, after) padding that 'same' applies on one dimension, TensorFlow style (extra at the end). */
export function samePadding(
  input: number,
  kernel: number,
  stride: number,
  dilation = 1,
): [number, number] {
  const effective = (kernel - 1) * dilation + 1;
  const out = Math.ceil(input / stride);
  const total = Math.max(0, (out - 1) * stride + effective - input);
  const before = Math.floor(total / 2);
  return [before, total - before];
}

/** Output length of a transposed convolution (Keras Conv2DTranspose without output_padding). */
export function deconvOutputLength(
  input: number,
  kernel: number,
  stride: number,
  padding: Padding,
  dilation = 1,
): number {
  if (input < 0) return UNKNOWN_DIM;
  const effective = (kernel - 1) * dilation + 1;
  return padding === 'same' ? input * stride : input * stride + Math.max(effective - stride, 0);
}

/** numpy-style broadcast of shapes; −1 broadcasts with 1 or −1. */
export function broadcastShapes(
  ctx: ShapeContext,
  shapes: readonly (readonly number[])[],
): number[] {
  const rank = Math.max(...shapes.map((s) => s.length));
  const out: number[] = [];
  for (let i = 0; i < rank; i++) {
    let dim = 1;
    for (const s of shapes) {
      const d = s[s.length - rank + i] ?? 1;
      if (d === 1) continue;
      if (dim === 1) dim = d;
      else if (d === UNKNOWN_DIM || dim === UNKNOWN_DIM) dim = dim === UNKNOWN_DIM ? d : dim;
      else if (d !== dim) {
        shapeFail(
          ctx,
          `input shapes ${shapes.map((x) => `[${x.join(', ')}]`).join(' and ')} do not broadcast`,
        );
      }
    }
    out.push(dim);
  }
  return out;
}

export function requireRank(ctx: ShapeContext, index: number, rank: number): readonly number[] {
  const s = ctx.inputShapes[index];
  if (s === undefined) shapeFail(ctx, `missing input ${index}`);
  if (s.length !== rank)
    shapeFail(ctx, `input ${index} must have rank ${rank} (NHWC), got [${s.join(', ')}]`);
  return s;
}

export function requireKnown(ctx: ShapeContext, dim: number, what: string): number {
  if (dim < 0) shapeFail(ctx, `${what} must be known, got an unknown dimension`);
  return dim;
}

/** Normalise a possibly negative axis against a rank. */
export function normalizeAxis(ctx: ShapeContext, axis: number, rank: number): number {
  const a = axis < 0 ? axis + rank : axis;
  if (a < 0 || a >= rank) shapeFail(ctx, `axis ${axis} is out of range for rank ${rank}`);
  return a;
}
