import { GraphBuilder, type Graph } from '@collabopt/core';

/**
 * The reference CNN of DESIGN.md (logits output): Input 28×28×1 → Conv2D 16 3×3 relu → MaxPool 2 →
 * Conv2D 32 3×3 relu → MaxPool 2 → Flatten → Dense 64 relu → Dense 10. Keras-style initial weights.
 */
export function referenceCnn(seed = 0): Graph {
  const b = new GraphBuilder('reference_cnn', { seed });
  const x = b.input('input', [-1, 28, 28, 1]);
  let h = b.layer('Conv2D', 'conv1', x, { filters: 16, kernelSize: [3, 3], activation: 'relu' });
  h = b.layer('MaxPool2D', 'pool1', h, { poolSize: [2, 2] });
  h = b.layer('Conv2D', 'conv2', h, { filters: 32, kernelSize: [3, 3], activation: 'relu' });
  h = b.layer('MaxPool2D', 'pool2', h, { poolSize: [2, 2] });
  h = b.layer('Flatten', 'flatten', h);
  h = b.layer('Dense', 'dense1', h, { units: 64, activation: 'relu' });
  const out = b.layer('Dense', 'logits', h, { units: 10 });
  return b.build(out);
}

/** The benchmark CNN of the engine issue: conv 3×3/32 → pool → conv 3×3/64 → pool → dense 10 (logits). */
export function benchmarkCnn(seed = 0): Graph {
  const b = new GraphBuilder('bench_cnn', { seed });
  const x = b.input('input', [-1, 28, 28, 1]);
  let h = b.layer('Conv2D', 'conv1', x, { filters: 32, kernelSize: [3, 3], activation: 'relu' });
  h = b.layer('MaxPool2D', 'pool1', h, { poolSize: [2, 2] });
  h = b.layer('Conv2D', 'conv2', h, { filters: 64, kernelSize: [3, 3], activation: 'relu' });
  h = b.layer('MaxPool2D', 'pool2', h, { poolSize: [2, 2] });
  h = b.layer('Flatten', 'flatten', h);
  const out = b.layer('Dense', 'logits', h, { units: 10 });
  return b.build(out);
}
