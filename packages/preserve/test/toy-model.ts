import { GraphBuilder, createRng, type Graph } from '@collabopt/core';
import { createDataset, type Dataset } from '@collabopt/engine';

/** The small model of preserve's search, sensitivity and tree tests: 6×6×1 → Conv2D 4 3×3 relu → Dense 2. */
export function toyModel(): Graph {
  const b = new GraphBuilder('toy', { seed: 3 });
  const x = b.input('input', [-1, 6, 6, 1]);
  let h = b.layer('Conv2D', 'conv', x, { filters: 4, kernelSize: [3, 3], activation: 'relu' });
  h = b.layer('Flatten', 'flatten', h);
  return b.build(b.layer('Dense', 'logits', h, { units: 2 }));
}

/** `n` uniform random 6×6 images, labelled 1 when the first pixel is above 0.5 (seeded). */
export function toyData(n: number, seed: number): Dataset {
  const rng = createRng(seed);
  const x = Float32Array.from({ length: n * 36 }, () => rng.next());
  const y = Int32Array.from({ length: n }, (_, i) => (x[i * 36]! > 0.5 ? 1 : 0));
  return createDataset(x, y, [6, 6, 1], 'toy');
}
