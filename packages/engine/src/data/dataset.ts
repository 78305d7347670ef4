import { InvalidArgumentError, createRng, shuffledIndices, sizeOf } from '@collabopt/core';

/**
 * An in-memory classification data set: `count` samples of `sampleShape` (channels last) stored
 * back to back in `x`, with integer class ids in `y`.
 */
export interface Dataset {
  readonly x: Float32Array;
  readonly y: Int32Array;
  readonly sampleShape: readonly number[];
  readonly count: number;
  readonly name?: string;
}

/** Build a data set from arrays, checking that sizes agree. */
export function createDataset(
  x: Float32Array,
  y: Int32Array | ArrayLike<number>,
  sampleShape: readonly number[],
  name?: string,
): Dataset {
  const labels = y instanceof Int32Array ? y : Int32Array.from(y);
  const per = sizeOf(sampleShape);
  const count = labels.length;
  if (x.length !== count * per) {
    throw new InvalidArgumentError(
      `data set${name ? ` "${name}"` : ''}: x has ${x.length} values but ${count} samples of [${sampleShape.join(', ')}] need ${count * per}`,
    );
  }
  return {
    x,
    y: labels,
    sampleShape: [...sampleShape],
    count,
    ...(name !== undefined ? { name } : {}),
  };
}

/** Check a data set's internal consistency (sizes, label ids). */
export function checkDataset(data: Dataset, numClasses?: number): void {
  const per = sizeOf(data.sampleShape);
  const where = data.name ? ` "${data.name}"` : '';
  if (data.count !== data.y.length)
    throw new InvalidArgumentError(
      `data set${where}: count ${data.count} but ${data.y.length} labels`,
    );
  if (data.x.length !== data.count * per) {
    throw new InvalidArgumentError(
      `data set${where}: x has ${data.x.length} values, expected ${data.count} × ${per}`,
    );
  }
  if (data.count === 0) throw new InvalidArgumentError(`data set${where} is empty`);
  if (numClasses !== undefined) {
    for (let i = 0; i < data.count; i++) {
      const c = data.y[i]!;
      if (!Number.isInteger(c) || c < 0 || c >= numClasses) {
        throw new InvalidArgumentError(
          `data set${where}: label ${c} of sample ${i} is outside 0..${numClasses - 1}`,
        );
      }
    }
  }
}

/** The samples at `indices`, copied into a new data set. */
export function subset(data: Dataset, indices: ArrayLike<number>, name?: string): Dataset {
  const per = sizeOf(data.sampleShape);
  const x = new Float32Array(indices.length * per);
  const y = new Int32Array(indices.length);
  for (let i = 0; i < indices.length; i++) {
    const j = indices[i]!;
    if (j < 0 || j >= data.count)
      throw new InvalidArgumentError(`sample index ${j} is outside 0..${data.count - 1}`);
    x.set(data.x.subarray(j * per, (j + 1) * per), i * per);
    y[i] = data.y[j]!;
  }
  const n = name ?? data.name;
  return {
    x,
    y,
    sampleShape: [...data.sampleShape],
    count: indices.length,
    ...(n !== undefined ? { name: n } : {}),
  };
}

/** First `n` samples (a view, no copy). */
export function take(data: Dataset, n: number): Dataset {
  const k = Math.min(n, data.count);
  const per = sizeOf(data.sampleShape);
  return { ...data, x: data.x.subarray(0, k * per), y: data.y.subarray(0, k), count: k };
}

/** A seeded random permutation of the data set. */
export function shuffleDataset(data: Dataset, seed: number): Dataset {
  return subset(data, shuffledIndices(data.count, createRng(seed)));
}

/**
 * A representative subset for calibration: `n` samples drawn without replacement, stratified by
 * class (each class in proportion to its frequency), deterministic for a seed.
 */
export function representativeSubset(data: Dataset, n: number, seed = 0): Dataset {
  if (n >= data.count) return data;
  const rng = createRng(seed);
  const byClass = new Map<number, number[]>();
  for (let i = 0; i < data.count; i++) {
    const c = data.y[i]!;
    const list = byClass.get(c);
    if (list) list.push(i);
    else byClass.set(c, [i]);
  }
  const picked: number[] = [];
  const classes = [...byClass.keys()].sort((a, b) => a - b);
  const quotas = classes.map((c) => (byClass.get(c)!.length * n) / data.count);
  const counts = quotas.map(Math.floor);
  // Hand out the remaining samples to the largest fractional parts.
  const order = quotas
    .map((q, i) => [q - Math.floor(q), i] as const)
    .sort((a, b) => b[0] - a[0] || a[1] - b[1]);
  for (let r = n - counts.reduce((a, b) => a + b, 0), k = 0; r > 0; r--, k++)
    counts[order[k % order.length]![1]]!++;
  classes.forEach((c, ci) => {
    const list = byClass.get(c)!;
    const perm = shuffledIndices(list.length, rng);
    for (let i = 0; i < counts[ci]!; i++) picked.push(list[perm[i]!]!);
  });
  const shuffled = shuffledIndices(picked.length, rng);
  return subset(
    data,
    Array.from(shuffled, (i) => picked[i]!),
    data.name ? `${data.name} (calibration ${n})` : undefined,
  );
}

/** Per-feature normalisation: (x − mean) / std, with scalar mean and std. */
export function normalizeDataset(data: Dataset, mean: number, std: number): Dataset {
  if (!(std > 0)) throw new InvalidArgumentError(`std must be > 0, got ${std}`);
  const x = new Float32Array(data.x.length);
  for (let i = 0; i < x.length; i++) x[i] = (data.x[i]! - mean) / std;
  return { ...data, x };
}

/** Scalar mean and standard deviation of all values. */
export function datasetMoments(data: Dataset): { mean: number; std: number } {
  let s = 0;
  let s2 = 0;
  for (let i = 0; i < data.x.length; i++) {
    const v = data.x[i]!;
    s += v;
    s2 += v * v;
  }
  const mean = s / data.x.length;
  return { mean, std: Math.sqrt(Math.max(0, s2 / data.x.length - mean * mean)) };
}

/** One batch: sample indices → contiguous x and y. */
export interface Batch {
  readonly x: Float32Array;
  readonly y: Int32Array;
  readonly size: number;
}

/**
 * Batches over the data set in `order` (default: natural order); the last batch may be smaller.
 * Contiguous runs are views; shuffled batches are gathered copies.
 */
export function* batches(
  data: Dataset,
  batchSize: number,
  order?: ArrayLike<number>,
): Generator<Batch> {
  if (!Number.isInteger(batchSize) || batchSize < 1)
    throw new InvalidArgumentError(`batchSize must be a positive integer, got ${batchSize}`);
  const per = sizeOf(data.sampleShape);
  for (let start = 0; start < data.count; start += batchSize) {
    const size = Math.min(batchSize, data.count - start);
    if (order === undefined) {
      yield {
        x: data.x.subarray(start * per, (start + size) * per),
        y: data.y.subarray(start, start + size),
        size,
      };
      continue;
    }
    const x = new Float32Array(size * per);
    const y = new Int32Array(size);
    for (let i = 0; i < size; i++) {
      const j = order[start + i]!;
      x.set(data.x.subarray(j * per, (j + 1) * per), i * per);
      y[i] = data.y[j]!;
    }
    yield { x, y, size };
  }
}
