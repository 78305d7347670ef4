import {
  InvalidArgumentError,
  attrBool,
  attrFloat,
  attrInt,
  attrInts,
  attrPairs,
  attrString,
  deconvOutputLength,
  samePadding,
  type Padding,
} from '@collabopt/core';
import { activate, activationKind, softmaxAlong } from './activation';
import { fusedConv2d, fusedDense, type FusedActivation } from './fused';
import { KernelRegistry, type KernelContext, type OpKernel } from './kernel-registry';
import { tf } from './tf';
import { batchNormTraining } from './tfjs-node-batchnorm';
import { biasAdd } from './tfjs-node-kernels';
import { matMul2d } from './tfjs-node-matmul';
import { maxPoolKeepingWorkspace } from './tfjs-node-onednn';

type Pair = [number, number];

function pair(ctx: KernelContext, key: string): Pair {
  const v = attrInts(ctx.attrs, key);
  return [v[0]!, v[1]!];
}

function withBiasAndActivation(y: tf.Tensor, ctx: KernelContext): tf.Tensor {
  const bias = ctx.weights['bias'];
  const out = bias !== undefined ? biasAdd(y, bias) : y;
  return activate(out, activationKind(ctx.attrs['activation'], ctx.node.name));
}

/**
 * A strided *and* dilated window op, which TF.js refuses: pad like TensorFlow's 'same', run the
 * dilated op with stride 1, then keep every stride-th output.
 */
function stridedDilated(
  x: tf.Tensor4D,
  kernelHW: Pair,
  strides: Pair,
  dilations: Pair,
  padding: Padding,
  op: (input: tf.Tensor4D) => tf.Tensor4D,
): tf.Tensor4D {
  let input = x;
  if (padding === 'same') {
    const ph = samePadding(x.shape[1], kernelHW[0], strides[0], dilations[0]);
    const pw = samePadding(x.shape[2], kernelHW[1], strides[1], dilations[1]);
    input = tf.pad(x, [[0, 0], ph, pw, [0, 0]]);
  }
  return everyNth(op(input), strides);
}

/**
 * Every stride-th row and column (from the first) of an NHWC tensor, differentiable (TF.js has no
 * StridedSlice gradient): pad to a multiple of the strides, split each spatial axis into
 * (outputs, stride) and keep index 0.
 */
function everyNth(full: tf.Tensor4D, strides: Pair): tf.Tensor4D {
  const [n, h, w, c] = full.shape;
  const [sh, sw] = strides;
  if (sh === 1 && sw === 1) return full;
  const oh = Math.ceil(h / sh);
  const ow = Math.ceil(w / sw);
  const padded = tf.pad(full, [
    [0, 0],
    [0, oh * sh - h],
    [0, ow * sw - w],
    [0, 0],
  ]);
  const split = tf.reshape(padded, [n, oh, sh, ow, sw, c]);
  return tf.reshape(tf.slice(split, [0, 0, 0, 0, 0, 0], [n, oh, 1, ow, 1, c]), [n, oh, ow, c]);
}

function needsSplit(strides: Pair, dilations: Pair): boolean {
  return (strides[0] > 1 || strides[1] > 1) && (dilations[0] > 1 || dilations[1] > 1);
}

/** Conv2D with TensorFlow semantics for any stride/dilation combination. */
export function conv2dNhwc(
  x: tf.Tensor4D,
  kernel: tf.Tensor4D,
  strides: Pair,
  padding: Padding,
  dilations: Pair,
): tf.Tensor4D {
  if (!needsSplit(strides, dilations))
    return tf.conv2d(x, kernel, strides, padding, 'NHWC', dilations);
  const k: Pair = [kernel.shape[0], kernel.shape[1]];
  return stridedDilated(x, k, strides, dilations, padding, (i) =>
    tf.conv2d(i, kernel, 1, 'valid', 'NHWC', dilations),
  );
}

export function depthwiseNhwc(
  x: tf.Tensor4D,
  kernel: tf.Tensor4D,
  strides: Pair,
  padding: Padding,
  dilations: Pair,
): tf.Tensor4D {
  if (
    tf.getBackend() === 'tensorflow' &&
    (dilations[0] > 1 || dilations[1] > 1 || strides[0] !== strides[1])
  ) {
    // TensorFlow's CPU DepthwiseConv2dNative takes neither dilations nor unequal strides: spread
    // the kernel densely, and run stride 1 then keep every stride-th output where strides differ.
    const dense = dilateKernel(kernel, dilations);
    if (strides[0] === strides[1]) return tf.depthwiseConv2d(x, dense, strides, padding, 'NHWC');
    return stridedDilated(x, [dense.shape[0], dense.shape[1]], strides, [1, 1], padding, (i) =>
      tf.depthwiseConv2d(i, dense, 1, 'valid', 'NHWC'),
    );
  }
  if (!needsSplit(strides, dilations))
    return tf.depthwiseConv2d(x, kernel, strides, padding, 'NHWC', dilations);
  const k: Pair = [kernel.shape[0], kernel.shape[1]];
  return stridedDilated(x, k, strides, dilations, padding, (i) =>
    tf.depthwiseConv2d(i, kernel, 1, 'valid', 'NHWC', dilations),
  );
}

/** Insert (d − 1) zeros between kernel taps: a dilated kernel as a dense one. */
export function dilateKernel(kernel: tf.Tensor4D, dilations: Pair): tf.Tensor4D {
  const [dh, dw] = dilations;
  if (dh === 1 && dw === 1) return kernel;
  const [kh, kw, a, b] = kernel.shape;
  const spread = tf.pad(tf.reshape(kernel, [kh, 1, kw, 1, a, b]), [
    [0, 0],
    [0, dh - 1],
    [0, 0],
    [0, dw - 1],
    [0, 0],
    [0, 0],
  ]);
  const flat = tf.reshape(spread, [kh * dh, kw * dw, a, b]);
  return tf.slice(flat, [0, 0, 0, 0], [(kh - 1) * dh + 1, (kw - 1) * dw + 1, a, b]) as tf.Tensor4D;
}

/**
 * TF.js has no gradients for dilated convolutions: in training a dilated kernel is spread into a
 * dense one with zeros (same result, differentiable through pad/reshape/slice).
 */
function trainableDilation(
  kernel: tf.Tensor4D,
  dilations: Pair,
  training: boolean,
): { kernel: tf.Tensor4D; dilations: Pair } {
  if (!training || (dilations[0] === 1 && dilations[1] === 1)) return { kernel, dilations };
  return { kernel: dilateKernel(kernel, dilations), dilations: [1, 1] };
}

/** A windowed NHWC op (conv2dNhwc, depthwiseNhwc) over the node's kernel in `slot`, dilated for training. */
function applyWindowed(
  x: tf.Tensor,
  ctx: KernelContext,
  slot: string,
  op: (
    x: tf.Tensor4D,
    kernel: tf.Tensor4D,
    strides: Pair,
    padding: Padding,
    dilations: Pair,
  ) => tf.Tensor4D,
): tf.Tensor4D {
  const k = trainableDilation(
    ctx.weights[slot] as tf.Tensor4D,
    pair(ctx, 'dilations'),
    ctx.training,
  );
  return op(
    x as tf.Tensor4D,
    k.kernel,
    pair(ctx, 'strides'),
    attrString(ctx.attrs, 'padding') as Padding,
    k.dilations,
  );
}

/** linear/relu activations run inside the fused kernels; others are applied separately. */
function fusable(ctx: KernelContext): FusedActivation | undefined {
  const a = ctx.attrs['activation'];
  return a === 'linear' || a === 'relu' ? a : undefined;
}

/**
 * Fused conv/dense + bias + ReLU kernels with registered gradients (src/fused.ts), per backend
 * where A/B runs on this machine kind favoured them:
 * - tfjs-node fuses convolutions: FusedConv2D runs as oneDNN's convolution-with-bias
 *   (src/tfjs-node-onednn.ts); its _FusedMatMul needs rank-3 reshapes that cost more than they save.
 * - wasm fuses convolutions and dense layers (XNNPACK applies bias and ReLU in the GEMM), with a
 *   backward pass that masks dy once through the ReluGrad kernel: CPU time per training step −3%
 *   (benchmark CNN) and −9% (reference CNN), inference −13 to −16%.
 * `mode` overrides that choice on every backend ('on' / 'off'; tests compare both).
 */
export const FUSION: { mode: 'auto' | 'on' | 'off' } = { mode: 'auto' };

const fuseConvolutions = (): boolean =>
  FUSION.mode === 'auto'
    ? tf.getBackend() === 'tensorflow' || tf.getBackend() === 'wasm'
    : FUSION.mode === 'on';
const fuseDense = (): boolean =>
  FUSION.mode === 'auto' ? tf.getBackend() === 'wasm' : FUSION.mode === 'on';

const conv2d: OpKernel = ([x], ctx) => {
  const act = fusable(ctx);
  const dil = pair(ctx, 'dilations');
  if (fuseConvolutions() && act !== undefined && dil[0] === 1 && dil[1] === 1) {
    return fusedConv2d(
      x as tf.Tensor4D,
      ctx.weights['kernel'] as tf.Tensor4D,
      ctx.weights['bias'],
      {
        strides: pair(ctx, 'strides'),
        padding: attrString(ctx.attrs, 'padding') as Padding,
        activation: act,
      },
    );
  }
  return withBiasAndActivation(applyWindowed(x!, ctx, 'kernel', conv2dNhwc), ctx);
};

const depthwiseConv2d: OpKernel = ([x], ctx) =>
  withBiasAndActivation(applyWindowed(x!, ctx, 'kernel', depthwiseNhwc), ctx);

const separableConv2d: OpKernel = ([x], ctx) => {
  const dw = applyWindowed(x!, ctx, 'depthwiseKernel', depthwiseNhwc);
  const y = tf.conv2d(dw, ctx.weights['pointwiseKernel'] as tf.Tensor4D, 1, 'valid');
  return withBiasAndActivation(y, ctx);
};

const conv2dTranspose: OpKernel = ([x], ctx) => {
  const input = x as tf.Tensor4D;
  const dilations = pair(ctx, 'dilations');
  const strides = pair(ctx, 'strides');
  const padding = attrString(ctx.attrs, 'padding') as Padding;
  const kernel = dilateKernel(ctx.weights['kernel'] as tf.Tensor4D, dilations);
  const [kh, kw, filters] = kernel.shape;
  const [n, h, w] = input.shape;
  const outShape: [number, number, number, number] = [
    n,
    deconvOutputLength(h, kh, strides[0], padding),
    deconvOutputLength(w, kw, strides[1], padding),
    filters,
  ];
  const y = tf.conv2dTranspose(input, kernel, outShape, strides, padding);
  return withBiasAndActivation(y, ctx);
};

const dense: OpKernel = ([x], ctx) => {
  const kernel = ctx.weights['kernel'] as tf.Tensor2D;
  const input = x!;
  let y: tf.Tensor;
  const act = fusable(ctx);
  if (input.rank === 2 && fuseDense() && act !== undefined)
    return fusedDense(input as tf.Tensor2D, kernel, ctx.weights['bias'], act);
  if (input.rank === 2) {
    y = matMul2d(input as tf.Tensor2D, kernel);
  } else {
    const lead = input.shape.slice(0, -1);
    const flat = tf.reshape(input, [-1, input.shape[input.rank - 1]!]) as tf.Tensor2D;
    y = tf.reshape(matMul2d(flat, kernel), [...lead, kernel.shape[1]]);
  }
  return withBiasAndActivation(y, ctx);
};

/** Reshape a per-channel vector so it broadcasts along `axis` of a rank-`rank` tensor. */
function alongAxis(v: tf.Tensor, axis: number, rank: number): tf.Tensor {
  if (axis === rank - 1) return v;
  const shape = new Array<number>(rank).fill(1);
  shape[axis] = v.size;
  return tf.reshape(v, shape);
}

function normAxis(axis: number, rank: number, ctx: KernelContext): number {
  const a = axis < 0 ? axis + rank : axis;
  if (a < 0 || a >= rank)
    throw new InvalidArgumentError(`axis ${axis} is out of range for rank ${rank}`, {
      node: ctx.node.name,
    });
  return a;
}

const batchNorm: OpKernel = ([x], ctx) => {
  const input = x!;
  const axis = normAxis(attrInt(ctx.attrs, 'axis'), input.rank, ctx);
  const eps = attrFloat(ctx.attrs, 'epsilon');
  const gamma = ctx.weights['gamma'];
  const beta = ctx.weights['beta'];
  if (ctx.training) {
    const momentum = attrFloat(ctx.attrs, 'momentum');
    const updateMoving = (mean: tf.Tensor, variance: tf.Tensor): void => {
      ctx.updateMovingAverage('movingMean', mean, momentum);
      ctx.updateMovingAverage('movingVariance', variance, momentum);
    };
    // tfjs-node: one fused TensorFlow op each way (channels last).
    const fused = axis === input.rank - 1 ? batchNormTraining(input, gamma, beta, eps) : undefined;
    if (fused !== undefined) {
      updateMoving(fused.mean, fused.variance);
      return fused.y;
    }
    const reduce = [...Array(input.rank).keys()].filter((i) => i !== axis);
    const { mean, variance } = tf.moments(input, reduce);
    updateMoving(mean, variance);
    let y = tf.mul(
      tf.sub(input, alongAxis(mean, axis, input.rank)),
      alongAxis(tf.rsqrt(tf.add(variance, eps)), axis, input.rank),
    );
    if (gamma !== undefined) y = tf.mul(y, alongAxis(gamma, axis, input.rank));
    if (beta !== undefined) y = tf.add(y, alongAxis(beta, axis, input.rank));
    return y;
  }
  // Inference: fold into one scale and one shift per channel.
  let scale = tf.rsqrt(tf.add(ctx.weights['movingVariance']!, eps));
  if (gamma !== undefined) scale = tf.mul(scale, gamma);
  let shift = tf.neg(tf.mul(ctx.weights['movingMean']!, scale));
  if (beta !== undefined) shift = tf.add(shift, beta);
  return tf.add(
    tf.mul(input, alongAxis(scale, axis, input.rank)),
    alongAxis(shift, axis, input.rank),
  );
};

const layerNorm: OpKernel = ([x], ctx) => {
  const input = x!;
  const given = attrInts(ctx.attrs, 'axis').map((a) => normAxis(a, input.rank, ctx));
  const sorted = [...given].sort((a, b) => a - b);
  const eps = attrFloat(ctx.attrs, 'epsilon');
  const { mean, variance } = tf.moments(input, sorted, true);
  let y = tf.mul(tf.sub(input, mean), tf.rsqrt(tf.add(variance, eps)));
  // gamma/beta have the normalised dims in the order the axis attribute lists them.
  const shape = input.shape.map((d, i) => (sorted.includes(i) ? d : 1));
  const perm = sorted.map((a) => given.indexOf(a));
  const place = (p: tf.Tensor): tf.Tensor =>
    tf.reshape(perm.every((v, i) => v === i) ? p : tf.transpose(p, perm), shape);
  if (ctx.weights['gamma'] !== undefined) y = tf.mul(y, place(ctx.weights['gamma']));
  if (ctx.weights['beta'] !== undefined) y = tf.add(y, place(ctx.weights['beta']));
  return y;
};

const activation: OpKernel = ([x], ctx) =>
  activate(
    x!,
    activationKind(ctx.attrs['activation'], ctx.node.name),
    ctx.attrs['alpha'] as number | null,
    ctx.attrs['beta'] as number | null,
  );

function poolGeometry(ctx: KernelContext): { size: Pair; strides: Pair; padding: Padding } {
  const size = pair(ctx, 'poolSize');
  const s = ctx.attrs['strides'];
  const strides: Pair =
    s === null || s === undefined ? size : [(s as number[])[0]!, (s as number[])[1]!];
  return { size, strides, padding: attrString(ctx.attrs, 'padding') as Padding };
}

const maxPool2d: OpKernel = ([x], ctx) => {
  const { size, strides, padding } = poolGeometry(ctx);
  const kept = ctx.training
    ? maxPoolKeepingWorkspace(x as tf.Tensor4D, size, strides, padding)
    : undefined;
  return kept ?? tf.maxPool(x as tf.Tensor4D, size, strides, padding);
};

/**
 * Average pooling excluding padding from the count (TensorFlow 'same' semantics), exact in both
 * directions: zero-pad explicitly, average with 'valid' (every window full), then rescale each
 * output by window size / number of real pixels.
 */
export function avgPoolExcludingPadding(
  x: tf.Tensor4D,
  size: Pair,
  strides: Pair,
  padding: Padding,
): tf.Tensor4D {
  if (padding === 'valid') return tf.avgPool(x, size, strides, 'valid');
  const [, h, w] = x.shape;
  const ph = samePadding(h, size[0], strides[0]);
  const pw = samePadding(w, size[1], strides[1]);
  if (ph[0] + ph[1] + pw[0] + pw[1] === 0) return tf.avgPool(x, size, strides, 'valid');
  const pooled = tf.avgPool(tf.pad(x, [[0, 0], ph, pw, [0, 0]]), size, strides, 'valid');
  const oh = pooled.shape[1];
  const ow = pooled.shape[2];
  const factor = new Float32Array(oh * ow);
  const covered = (o: number, s: number, k: number, before: number, n: number): number => {
    const start = o * s - before;
    return Math.min(start + k, n) - Math.max(start, 0);
  };
  for (let i = 0; i < oh; i++) {
    const ch = covered(i, strides[0], size[0], ph[0], h);
    for (let j = 0; j < ow; j++)
      factor[i * ow + j] = (size[0] * size[1]) / (ch * covered(j, strides[1], size[1], pw[0], w));
  }
  return tf.mul(pooled, tf.tensor4d(factor, [1, oh, ow, 1]));
}

const avgPool2d: OpKernel = ([x], ctx) => {
  const { size, strides, padding } = poolGeometry(ctx);
  return avgPoolExcludingPadding(x as tf.Tensor4D, size, strides, padding);
};

const globalAvgPool: OpKernel = ([x], ctx) => tf.mean(x!, [1, 2], attrBool(ctx.attrs, 'keepDims'));
const globalMaxPool: OpKernel = ([x], ctx) => tf.max(x!, [1, 2], attrBool(ctx.attrs, 'keepDims'));

function binary(op: (a: tf.Tensor, b: tf.Tensor) => tf.Tensor): OpKernel {
  return (inputs, ctx) => {
    let acc = inputs[0]!;
    for (let i = 1; i < inputs.length; i++) acc = op(acc, inputs[i]!);
    return activate(acc, activationKind(ctx.attrs['activation'], ctx.node.name));
  };
}

const concat: OpKernel = (inputs, ctx) => tf.concat(inputs, attrInt(ctx.attrs, 'axis'));

const reshape: OpKernel = ([x], ctx) =>
  tf.reshape(x!, [x!.shape[0]!, ...attrInts(ctx.attrs, 'targetShape')]);

const flatten: OpKernel = ([x]) => tf.reshape(x!, [x!.shape[0]!, -1]);

const pad: OpKernel = ([x], ctx) => {
  const [ph, pw] = attrPairs(ctx.attrs, 'padding');
  return tf.pad(x!, [[0, 0], ph!, pw!, [0, 0]], attrFloat(ctx.attrs, 'constantValue'));
};

/** Inverted dropout (Keras): active only in training, seeded per node and step. */
const dropout: OpKernel = ([x], ctx) => {
  const rate = attrFloat(ctx.attrs, 'rate');
  if (!ctx.training || rate <= 0) return x!;
  if (rate >= 1) return tf.zerosLike(x!);
  const keep = tf.cast(
    tf.greaterEqual(tf.randomUniform(x!.shape, 0, 1, 'float32', ctx.seed), rate),
    'float32',
  );
  return tf.mul(x!, tf.mul(keep, 1 / (1 - rate)));
};

const softmax: OpKernel = ([x], ctx) => softmaxAlong(x!, attrInt(ctx.attrs, 'axis'));

const mean: OpKernel = ([x], ctx) =>
  tf.mean(x!, attrInts(ctx.attrs, 'axes'), attrBool(ctx.attrs, 'keepDims'));

const upsample2d: OpKernel = ([x], ctx) => {
  const [a, b] = pair(ctx, 'size');
  const input = x as tf.Tensor4D;
  const [n, h, w, c] = input.shape;
  if (attrString(ctx.attrs, 'interpolation') === 'bilinear') {
    return tf.image.resizeBilinear(input, [h * a, w * b], false, true);
  }
  // Nearest with integer factors is a repeat: reshape + tile (cheap, differentiable everywhere).
  const tiled = tf.tile(tf.reshape(input, [n, h, 1, w, 1, c]), [1, 1, a, 1, b, 1]);
  return tf.reshape(tiled, [n, h * a, w * b, c]);
};

/** Kernels of every built-in op (`packages/core/src/ops`). `Input` is handled by the compiler. */
export function builtinKernels(): KernelRegistry {
  return new KernelRegistry([
    ['Conv2D', conv2d],
    ['DepthwiseConv2D', depthwiseConv2d],
    ['SeparableConv2D', separableConv2d],
    ['Conv2DTranspose', conv2dTranspose],
    ['Dense', dense],
    ['BatchNorm', batchNorm],
    ['LayerNorm', layerNorm],
    ['Activation', activation],
    ['MaxPool2D', maxPool2d],
    ['AvgPool2D', avgPool2d],
    ['GlobalAvgPool', globalAvgPool],
    ['GlobalMaxPool', globalMaxPool],
    ['Add', binary((a, b) => tf.add(a, b))],
    ['Sub', binary((a, b) => tf.sub(a, b))],
    ['Mul', binary((a, b) => tf.mul(a, b))],
    ['Concat', concat],
    ['Reshape', reshape],
    ['Flatten', flatten],
    ['Pad', pad],
    ['Dropout', dropout],
    ['Softmax', softmax],
    ['Mean', mean],
    ['Upsample2D', upsample2d],
  ]);
}
