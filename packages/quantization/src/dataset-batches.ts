import { tensor, type Tensor } from '@collabopt/core';
import {
  asDataSource,
  dataSourceView,
  readBatches,
  type DataSource,
  type Dataset,
} from '@collabopt/engine';

/** Indices of `n` samples spread evenly over the data set (deterministic, every class region visited). */
export function spreadIndices(count: number, n: number): Uint32Array {
  const m = Math.min(n, count);
  const out = new Uint32Array(m);
  for (let i = 0; i < m; i++) out[i] = Math.floor((i * count) / m);
  return out;
}

/**
 * Batches of the chosen samples as core tensors [b, ...sampleShape], read from an in-memory data
 * set or a streamed data source (one batch in memory at a time).
 */
export async function* sampleBatches(
  data: Dataset | DataSource,
  indices: Uint32Array,
  batchSize: number,
): AsyncGenerator<{ x: Tensor; start: number }> {
  const source = asDataSource(data);
  const view = dataSourceView(source, indices, source.name);
  let start = 0;
  for await (const batch of readBatches(view, batchSize)) {
    yield { x: tensor('float32', [batch.size, ...source.sampleShape], batch.x), start };
    start += batch.size;
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
