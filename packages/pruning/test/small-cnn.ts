import { GraphBuilder, type Graph } from '@collabopt/core';

/** Small CNN for tests: conv → depthwise → pool → flatten → dense → dense (logits). */
export function smallCnn(seed = 1): Graph {
  const b = new GraphBuilder('small-cnn', { seed });
  const x = b.input('input', [-1, 8, 8, 1]);
  const c1 = b.layer('Conv2D', 'conv1', x, { filters: 8, kernelSize: [3, 3], activation: 'relu', padding: 'same' });
  const dw = b.layer('DepthwiseConv2D', 'dw', c1, { kernelSize: [3, 3], padding: 'same' });
  const p = b.layer('MaxPool2D', 'pool', dw, { poolSize: [2, 2] });
  const f = b.layer('Flatten', 'flatten', p);
  const d1 = b.layer('Dense', 'dense1', f, { units: 16, activation: 'relu' });
  const d2 = b.layer('Dense', 'logits', d1, { units: 4 });
  return b.build(d2);
}
