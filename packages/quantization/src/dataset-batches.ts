import { tensor, type Tensor } from '@collabopt/core';
import type { Dataset } from '@collabopt/engine';

/** Indices of `n` samples spread evenly over the data set (deterministic, every class region visited). */
export function spreadIndices(count: number, n: number): Uint32Array {
  const m = Math.min(n, count);
  const out = new Uint32Array(m);
  for (let i = 0; i < m; i++) out[i] = Math.floor((i * count) / m);
  return out;
}

/** Yield batches of the chosen samples as core tensors [b, ...sampleShape] (one batch in memory at a time). */
export function* sampleBatches(
  data: Dataset,
  indices: Uint32Array,
  batchSize: number,
): Generator<{ x: Tensor; y: Int32Array; start: number }> {
  const per = data.sampleShape.reduce((a, b) => a * b, 1);
  for (let start = 0; start < indices.length; start += batchSize) {
    const b = Math.min(batchSize, indices.length - start);
    const x = new Float32Array(b * per);
    const y = new Int32Array(b);
    for (let i = 0; i < b; i++) {
      const s = indices[start + i]!;
      x.set(data.x.subarray(s * per, (s + 1) * per), i * per);
      y[i] = data.y[s]!;
    }
    yield { x: tensor('float32', [b, ...data.sampleShape], x), y, start };
  }
}

/** A data set made of the chosen samples (for engine.evaluate on a subset). */
export function subsetDataset(data: Dataset, indices: Uint32Array): Dataset {
  const per = data.sampleShape.reduce((a, b) => a * b, 1);
  const x = new Float32Array(indices.length * per);
  const y = new Int32Array(indices.length);
  indices.forEach((s, i) => {
    x.set(data.x.subarray(s * per, (s + 1) * per), i * per);
    y[i] = data.y[s]!;
  });
  return {
    x,
    y,
    sampleShape: data.sampleShape,
    count: indices.length,
    ...(data.name ? { name: `${data.name} (subset)` } : {}),
  };
}
