import { GraphBuilder, createRng, type Graph } from '@collabopt/core';
import type { Dataset } from '@collabopt/engine';

/**
 * A learnable toy task: 8×8 single-channel images with one bright 4×4 quadrant (class = quadrant)
 * plus noise.
 */
export function quadrantDataset(count: number, seed: number): Dataset {
  const rng = createRng(seed);
  const x = new Float32Array(count * 64);
  const y = new Int32Array(count);
  for (let i = 0; i < count; i++) {
    const c = rng.int(4);
    y[i] = c;
    const oy = c < 2 ? 0 : 4;
    const ox = c % 2 === 0 ? 0 : 4;
    for (let r = 0; r < 8; r++)
      for (let q = 0; q < 8; q++) {
        const inside = r >= oy && r < oy + 4 && q >= ox && q < ox + 4;
        x[i * 64 + r * 8 + q] = Math.min(
          1,
          Math.max(0, (inside ? 0.8 : 0.1) + rng.uniform(-0.1, 0.1)),
        );
      }
  }
  return { x, y, sampleShape: [8, 8, 1], count, name: 'quadrants' };
}

/** A small CNN of the reference CNN's shape (conv relu → pool → conv relu → flatten → dense relu → dense). */
export function smallCnn(seed = 1): Graph {
  const b = new GraphBuilder('small_cnn', { seed });
  const x = b.input('input', [-1, 8, 8, 1]);
  let h = b.layer('Conv2D', 'conv1', x, {
    filters: 4,
    kernelSize: [3, 3],
    padding: 'same',
    activation: 'relu',
  });
  h = b.layer('MaxPool2D', 'pool1', h, { poolSize: [2, 2] });
  h = b.layer('Conv2D', 'conv2', h, { filters: 8, kernelSize: [3, 3], activation: 'relu' });
  h = b.layer('Flatten', 'flatten', h);
  h = b.layer('Dense', 'dense1', h, { units: 16, activation: 'relu' });
  return b.build(b.layer('Dense', 'logits', h, { units: 4 }));
}
