/** Small IR models that together use every op the TFLite mapping covers (test fixtures). */
import { GraphBuilder, type Graph } from '@collabopt/core';

/** Conv family: Conv2D, DepthwiseConv2D, Conv2DTranspose, Pad, pools, GlobalAvgPool, Dense, Softmax, activations. */
export function convFamilyModel(seed = 1, options: { transposeBias?: boolean } = {}): Graph {
  const b = new GraphBuilder('conv_family', { seed });
  const x = b.input('input', [-1, 12, 12, 3]);
  let y = b.layer('Conv2D', 'c1', x, {
    filters: 8,
    kernelSize: [3, 3],
    padding: 'same',
    activation: 'relu',
  });
  y = b.layer('DepthwiseConv2D', 'dw', y, {
    kernelSize: [3, 3],
    depthMultiplier: 2,
    activation: 'relu6',
  });
  y = b.layer('Conv2DTranspose', 'tc', y, {
    filters: 4,
    kernelSize: [3, 3],
    strides: [2, 2],
    padding: 'same',
    activation: 'relu',
    useBias: options.transposeBias !== false,
  });
  y = b.layer('Activation', 'leaky', y, { activation: 'leaky_relu', alpha: 0.1 });
  y = b.layer('Pad', 'pad', y, {
    padding: [
      [1, 1],
      [1, 1],
    ],
  });
  y = b.layer('AvgPool2D', 'avg', y, { poolSize: [2, 2] });
  y = b.layer('MaxPool2D', 'max', y, { poolSize: [3, 3], strides: [1, 1], padding: 'same' });
  y = b.layer('Activation', 'hswish', y, { activation: 'hard_swish' });
  y = b.layer('Conv2D', 'c2', y, { filters: 32, kernelSize: [3, 3] });
  y = b.layer('GlobalAvgPool', 'gap', y, {});
  y = b.layer('Dense', 'd1', y, { units: 40, activation: 'relu' });
  y = b.layer('Dense', 'd2', y, { units: 5 });
  y = b.layer('Softmax', 'probs', y, {});
  return b.build(y);
}

/** Element-wise and structural: Add, Sub, Mul, Concat, Mean, Reshape, Flatten, Dropout, tanh, sigmoid, relu, relu6. */
export function elementwiseModel(seed = 2): Graph {
  const b = new GraphBuilder('elementwise', { seed });
  const x = b.input('input', [-1, 8, 8, 4]);
  const a = b.layer('Conv2D', 'a', x, { filters: 8, kernelSize: [1, 1] });
  const c = b.layer('Conv2D', 'b', x, {
    filters: 8,
    kernelSize: [3, 3],
    padding: 'same',
    activation: 'relu6',
  });
  const add = b.layer('Add', 'add', [a, c], { activation: 'relu' });
  const sub = b.layer('Sub', 'sub', [add, a], {});
  const mul = b.layer('Mul', 'mul', [sub, c], {});
  const th = b.layer('Activation', 'tanh', mul, { activation: 'tanh' });
  const sg = b.layer('Activation', 'sigmoid', a, { activation: 'sigmoid' });
  const cat = b.layer('Concat', 'cat', [th, sg], { axis: -1 });
  const re = b.layer('Activation', 'relu', cat, { activation: 'relu' });
  const mean = b.layer('Mean', 'mean', re, { axes: [2] });
  const rs = b.layer('Reshape', 'reshape', mean, { targetShape: [128] });
  const d = b.layer('Dense', 'd', rs, { units: 10 });
  const r6 = b.layer('Activation', 'relu6', d, { activation: 'relu6' });
  const mp = b.layer('MaxPool2D', 'mp', cat, { poolSize: [2, 2] });
  const fl = b.layer('Flatten', 'flatten', mp, {});
  const dr = b.layer('Dropout', 'dropout', fl, { rate: 0.3 });
  const d2 = b.layer('Dense', 'd2', dr, { units: 10 });
  const out = b.layer('Add', 'out', [r6, d2], {});
  return b.build(out);
}

/** Deterministic pseudo-random input batch for a [−1, ...] shape. */
export function sampleInput(shape: readonly number[], batch = 1, seed = 7): Float32Array {
  const n = batch * shape.slice(1).reduce((a, d) => a * d, 1);
  const out = new Float32Array(n);
  let s = seed >>> 0;
  for (let i = 0; i < n; i++) {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
    out[i] = (s / 2 ** 32) * 2 - 1;
  }
  return out;
}

/** Upsample2D nearest and bilinear (RESIZE_NEAREST_NEIGHBOR / RESIZE_BILINEAR). */
export function resizeModel(seed = 3): Graph {
  const b = new GraphBuilder('resize', { seed });
  const x = b.input('input', [-1, 6, 6, 3]);
  let y = b.layer('Conv2D', 'c1', x, {
    filters: 4,
    kernelSize: [3, 3],
    padding: 'same',
    activation: 'relu',
  });
  y = b.layer('Upsample2D', 'up_nearest', y, { size: [2, 2] });
  y = b.layer('Conv2D', 'c2', y, { filters: 4, kernelSize: [3, 3] });
  y = b.layer('Upsample2D', 'up_bilinear', y, { size: [2, 2], interpolation: 'bilinear' });
  y = b.layer('GlobalAvgPool', 'gap', y, {});
  y = b.layer('Dense', 'd', y, { units: 3 });
  return b.build(y);
}

/** Activations TFLite lowers or has without fusion: elu (ELU), swish (LOGISTIC·MUL), hard_sigmoid (MUL/ADD/RELU6/MUL). */
export function activationsModel(seed = 4): Graph {
  const b = new GraphBuilder('activations', { seed });
  const x = b.input('input', [-1, 6, 6, 3]);
  let y = b.layer('Conv2D', 'c1', x, { filters: 4, kernelSize: [3, 3], padding: 'same' });
  y = b.layer('Activation', 'elu', y, { activation: 'elu' });
  y = b.layer('Conv2D', 'c2', y, {
    filters: 4,
    kernelSize: [3, 3],
    padding: 'same',
    activation: 'swish',
  });
  y = b.layer('Activation', 'hsig', y, { activation: 'hard_sigmoid' });
  y = b.layer('Activation', 'hsig2', y, { activation: 'hard_sigmoid', alpha: 0.2, beta: 0.4 });
  y = b.layer('GlobalAvgPool', 'gap', y, {});
  y = b.layer('Dense', 'd', y, { units: 3 });
  return b.build(y);
}
