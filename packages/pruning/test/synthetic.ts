import { createRng } from '@collabopt/core';
import { createDataset, type Dataset } from '@collabopt/engine';

/** A learnable 4-class problem on 8×8×1 inputs: the class is the brightest image quadrant. */
export function quadrantDataset(count: number, seed: number): Dataset {
  const rng = createRng(seed);
  const x = new Float32Array(count * 64);
  const y = new Int32Array(count);
  for (let s = 0; s < count; s++) {
    const cls = rng.int(4);
    y[s] = cls;
    for (let i = 0; i < 8; i++) {
      for (let j = 0; j < 8; j++) {
        const quadrant = (i < 4 ? 0 : 2) + (j < 4 ? 0 : 1);
        x[s * 64 + i * 8 + j] = rng.next() * 0.5 + (quadrant === cls ? 0.5 : 0);
      }
    }
  }
  return createDataset(x, y, [8, 8, 1], `quadrants-${seed}`);
}
