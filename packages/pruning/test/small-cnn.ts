import { GraphBuilder, type Graph } from '@collabopt/core';

/** Small CNN for tests: conv → depthwise → pool → flatten → dense → dense (logits). */
export function smallCnn(seed = 1): Graph {
  const b = new GraphBuilder('small-cnn', { seed });
  const x = b.input('input', [-1, 8, 8, 1]);
  const c1 = b.layer('Conv2D', 'conv1', x, {
    filters: 8,
    kernelSize: [3, 3],
    activation: 'relu',
    padding: 'same',
  });
  const dw = b.layer('DepthwiseConv2D', 'dw', c1, { kernelSize: [3, 3], padding: 'same' });
  const p = b.layer('MaxPool2D', 'pool', dw, { poolSize: [2, 2] });
  const f = b.layer('Flatten', 'flatten', p);
  const d1 = b.layer('Dense', 'dense1', f, { units: 16, activation: 'relu' });
  const d2 = b.layer('Dense', 'logits', d1, { units: 4 });
  return b.build(d2);
}

/** Like smallCnn without the depthwise layer (what the fine-tuning tests train). */
export function tinyCnn(seed = 1): Graph {
  const b = new GraphBuilder('tiny-cnn', { seed });
  const x = b.input('input', [-1, 8, 8, 1]);
  const c1 = b.layer('Conv2D', 'conv1', x, {
    filters: 8,
    kernelSize: [3, 3],
    activation: 'relu',
    padding: 'same',
  });
  const p = b.layer('MaxPool2D', 'pool', c1, { poolSize: [2, 2] });
  const f = b.layer('Flatten', 'flatten', p);
  const d1 = b.layer('Dense', 'dense1', f, { units: 16, activation: 'relu' });
  const d2 = b.layer('Dense', 'logits', d1, { units: 4 });
  return b.build(d2);
}

/** Flatten → Dense 16 relu → Dense 4 logits on 8×8×1 inputs (fast to train on any backend). */
export function tinyMlp(seed = 1): Graph {
  const b = new GraphBuilder('tiny-mlp', { seed });
  const x = b.input('input', [-1, 8, 8, 1]);
  const f = b.layer('Flatten', 'flatten', x);
  const d1 = b.layer('Dense', 'dense1', f, { units: 16, activation: 'relu' });
  const d2 = b.layer('Dense', 'logits', d1, { units: 4 });
  return b.build(d2);
}
