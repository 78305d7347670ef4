/** IR graphs covering every op the ONNX exporter maps (shared by the e2e tests and the benchmark). */
import { GraphBuilder, type Graph } from '@collabopt/core';

/** Conv-side ops: Conv2D, BatchNorm, DepthwiseConv2D, Pad, pools, Conv2DTranspose, Upsample2D, activations, Add/Sub/Mul, Concat, global pools, Flatten, Dense, Reshape, Softmax. */
export function allOpsGraph(seed = 1, options: { batchNorm?: boolean } = {}): Graph {
  const g = new GraphBuilder('all_ops', { seed });
  const x = g.input('image', [-1, 8, 8, 3]);
  const c1 = g.layer('Conv2D', 'conv1', x, {
    filters: 6,
    kernelSize: [3, 3],
    padding: 'same',
    activation: 'relu',
  });
  const bn = options.batchNorm === false ? c1 : g.layer('BatchNorm', 'bn1', c1, { epsilon: 1e-3 });
  const dw = g.layer('DepthwiseConv2D', 'dw1', bn, {
    kernelSize: [3, 3],
    depthMultiplier: 2,
    strides: [2, 2],
    padding: 'same',
    activation: 'relu6',
  });
  const lr = g.layer('Activation', 'leaky', dw, { activation: 'leaky_relu', alpha: 0.1 });
  const pd = g.layer('Pad', 'pad1', lr, {
    padding: [
      [1, 0],
      [0, 1],
    ],
  });
  const mp = g.layer('MaxPool2D', 'maxpool1', pd, {
    poolSize: [2, 2],
    strides: [1, 1],
    padding: 'valid',
  });
  const ct = g.layer('Conv2DTranspose', 'deconv1', mp, {
    filters: 5,
    kernelSize: [3, 3],
    strides: [2, 2],
    padding: 'same',
  });
  const hs = g.layer('Activation', 'hswish', ct, { activation: 'hard_swish' });
  const ap = g.layer('AvgPool2D', 'avgpool1', hs, { poolSize: [2, 2], padding: 'same' });
  const up = g.layer('Upsample2D', 'upsample_nearest', ap, {
    size: [2, 2],
    interpolation: 'nearest',
  });
  const upb = g.layer('Upsample2D', 'upsample_bilinear', ap, {
    size: [2, 2],
    interpolation: 'bilinear',
  });
  const c2 = g.layer('Conv2D', 'conv2', x, { filters: 5, kernelSize: [1, 1] });
  const sg = g.layer('Activation', 'sigmoid', c2, { activation: 'sigmoid' });
  const th = g.layer('Activation', 'tanh', c2, { activation: 'tanh' });
  const hsg = g.layer('Activation', 'hsigmoid', upb, {
    activation: 'hard_sigmoid',
    alpha: 0.2,
    beta: 0.5,
  });
  const ad = g.layer('Add', 'add1', [up, sg, hsg]);
  const sb = g.layer('Sub', 'sub1', [ad, th]);
  const ml = g.layer('Mul', 'mul1', [sb, c2], { activation: 'relu' });
  const cc = g.layer('Concat', 'concat1', [ml, hs], { axis: -1 });
  const gap = g.layer('GlobalAvgPool', 'gap', cc);
  const gmp = g.layer('GlobalMaxPool', 'gmp', cc);
  const fl = g.layer('Flatten', 'flatten1', ap);
  const d1 = g.layer('Dense', 'dense1', fl, { units: 16, activation: 'relu' });
  const r4 = g.layer('Reshape', 'reshape4d', d1, { targetShape: [2, 2, 4] });
  const c3 = g.layer('Conv2D', 'conv3', r4, {
    filters: 3,
    kernelSize: [2, 2],
    padding: 'same',
    activation: 'tanh',
  });
  const f3 = g.layer('Flatten', 'flatten3', c3);
  const cat2 = g.layer('Concat', 'concat2', [gap, gmp, d1, f3], { axis: -1 });
  const r3 = g.layer('Reshape', 'reshape3d', cat2, { targetShape: [6, 8] });
  const d2 = g.layer('Dense', 'dense_seq', r3, { units: 4 });
  const f4 = g.layer('Flatten', 'flatten4', d2);
  const d3 = g.layer('Dense', 'logits', f4, { units: 10 });
  const sm = g.layer('Softmax', 'softmax', d3);
  return g.build([sm, ct]);
}

/** The DESIGN.md reference CNN (28×28×1 → 10 logits), untrained. */
export function referenceCnnGraph(seed = 7): Graph {
  const g = new GraphBuilder('reference_cnn', { seed });
  const x = g.input('image', [-1, 28, 28, 1]);
  const c1 = g.layer('Conv2D', 'conv1', x, { filters: 16, kernelSize: [3, 3], activation: 'relu' });
  const p1 = g.layer('MaxPool2D', 'pool1', c1, { poolSize: [2, 2] });
  const c2 = g.layer('Conv2D', 'conv2', p1, {
    filters: 32,
    kernelSize: [3, 3],
    activation: 'relu',
  });
  const p2 = g.layer('MaxPool2D', 'pool2', c2, { poolSize: [2, 2] });
  const f = g.layer('Flatten', 'flatten', p2);
  const d1 = g.layer('Dense', 'dense1', f, { units: 64, activation: 'relu' });
  const d2 = g.layer('Dense', 'logits', d1, { units: 10 });
  return g.build(d2);
}

/** Extra activations and op variants: elu, softplus, swish, relu, Mean, SeparableConv2D, Dropout, GlobalAvgPool keepDims. */
export function moreOpsGraph(seed = 3): Graph {
  const g = new GraphBuilder('more_ops', { seed });
  const x = g.input('image', [-1, 6, 6, 4]);
  const s1 = g.layer('SeparableConv2D', 'sep1', x, {
    filters: 6,
    kernelSize: [3, 3],
    padding: 'same',
    activation: 'elu',
  });
  const a1 = g.layer('Activation', 'softplus', s1, { activation: 'softplus' });
  const a2 = g.layer('Activation', 'swish', a1, { activation: 'swish' });
  const dr = g.layer('Dropout', 'dropout', a2, { rate: 0.3 });
  const m = g.layer('Mean', 'mean_hw', dr, { axes: [1, 2], keepDims: true });
  const gk = g.layer('GlobalAvgPool', 'gap_keep', dr, { keepDims: true });
  const ad = g.layer('Add', 'add', [m, gk], { activation: 'relu' });
  const ct = g.layer('Conv2DTranspose', 'deconv_valid', ad, {
    filters: 2,
    kernelSize: [2, 2],
    strides: [3, 3],
    padding: 'valid',
  });
  const ct2 = g.layer('Conv2DTranspose', 'deconv_same', ct, {
    filters: 3,
    kernelSize: [3, 3],
    strides: [1, 1],
    padding: 'same',
    activation: 'sigmoid',
  });
  const fl = g.layer('Flatten', 'flatten', ct2);
  const d = g.layer('Dense', 'dense', fl, { units: 5, activation: 'softmax' });
  return g.build(d);
}
