import { DataError } from './data-error';
import { InvalidArgumentError, createRng, shuffledIndices, sizeOf } from '@collabopt/core';
import type { Dataset } from './dataset';
import type { Preprocessing } from './preprocessing';

/** What a data set's labels are, if it has any. */
export type LabelInfo =
  /** Integer class ids in 0..numClasses−1 (numClasses from the folder names or the largest id). */
  | {
      readonly kind: 'class';
      readonly numClasses?: number;
      readonly classNames?: readonly string[];
    }
  /** Float targets of `shape` per sample: one-hot, multi-label 0/1, or regression values. */
  | { readonly kind: 'dense'; readonly shape: readonly number[] };

/** Samples read from a data source: x back to back, and the labels if the source has any. */
export interface SampleBatch {
  readonly x: Float32Array;
  /** Class ids (labels of kind `class`). */
  readonly classes?: Int32Array;
  /** Dense targets, `size × sizeOf(labels.shape)` values (labels of kind `dense`). */
  readonly targets?: Float32Array;
  readonly size: number;
}

/**
 * A data set read on demand, so it may be larger than memory: `count` samples of `sampleShape`
 * (channels last), read by index in batches. In-memory `Dataset`s, image folders and array files
 * are all data sources.
 */
export interface DataSource {
  readonly name: string;
  readonly count: number;
  readonly sampleShape: readonly number[];
  /** Undefined when the data has no labels (training then distils from the float model). */
  readonly labels?: LabelInfo;
  /** The preprocessing applied to every sample (recorded for reports). */
  readonly preprocessing?: Preprocessing;
  /** The file or folder the samples come from. */
  readonly origin?: string;
  /** The samples at `indices` (each in 0..count−1), in that order. */
  read(indices: ArrayLike<number>): Promise<SampleBatch>;
}

export function isDataSource(x: unknown): x is DataSource {
  const d = x as DataSource | undefined;
  return (
    d !== undefined &&
    d !== null &&
    typeof d.read === 'function' &&
    typeof d.count === 'number' &&
    Array.isArray(d.sampleShape)
  );
}

/** An in-memory classification data set seen as a data source (no copy until read). */
export function dataSourceFromDataset(data: Dataset): DataSource {
  const per = sizeOf(data.sampleShape);
  return {
    name: data.name ?? 'data',
    count: data.count,
    sampleShape: data.sampleShape,
    labels: { kind: 'class' },
    async read(indices) {
      const n = indices.length;
      const x = new Float32Array(n * per);
      const classes = new Int32Array(n);
      for (let i = 0; i < n; i++) {
        const j = indices[i]!;
        x.set(data.x.subarray(j * per, (j + 1) * per), i * per);
        classes[i] = data.y[j]!;
      }
      return { x, classes, size: n };
    },
  };
}

/** A data set or a data source, as a data source. */
export function asDataSource(data: Dataset | DataSource): DataSource {
  return isDataSource(data) ? data : dataSourceFromDataset(data);
}

/** The samples of `source` at `indices` (a view: nothing is read until a batch is). */
export function dataSourceView(
  source: DataSource,
  indices: ArrayLike<number>,
  name: string,
): DataSource {
  const map = Uint32Array.from(indices as ArrayLike<number>);
  for (const j of map)
    if (j >= source.count)
      throw new InvalidArgumentError(
        `sample index ${j} is outside 0..${source.count - 1} of "${source.name}"`,
      );
  return {
    ...source,
    name,
    count: map.length,
    read: (idx) => source.read(Array.from(idx as ArrayLike<number>, (i) => map[i]!)),
  };
}

export interface SplitOptions {
  /** Fraction of the samples held out for validation, in (0, 1). */
  validationFraction: number;
  /** Seed of the random assignment (default 0). */
  seed?: number;
  /** Fewest samples the training part may hold, e.g. one fine-tuning batch (default 1). */
  minimumTrain?: number;
  /** Fewest samples the validation part may hold (default 1). */
  minimumValidation?: number;
}

/**
 * A seeded random train/validation split (views: nothing is copied). The same seed gives the same
 * split; each part keeps the source's order.
 */
export function splitDataSource(
  source: DataSource,
  options: SplitOptions,
): { train: DataSource; validation: DataSource } {
  const f = options.validationFraction;
  if (!(f > 0 && f < 1))
    throw new InvalidArgumentError(`validationFraction must be in (0, 1), got ${f}`, {
      field: 'validationFraction',
    });
  const nVal = Math.round(source.count * f);
  const minimumTrain = Math.max(1, options.minimumTrain ?? 1);
  const minimumValidation = Math.max(1, options.minimumValidation ?? 1);
  if (nVal < minimumValidation || source.count - nVal < minimumTrain)
    throw new DataError(
      'DATA_TOO_SMALL',
      `cannot split ${source.count} samples of "${source.name}" with validation fraction ${f}: ` +
        `${source.count - nVal} training samples (at least ${minimumTrain} needed) and ${nVal} validation samples (at least ${minimumValidation} needed); give more data or another fraction`,
      {
        ...(source.origin !== undefined ? { file: source.origin } : {}),
        field: 'validationFraction',
      },
    );
  const perm = shuffledIndices(source.count, createRng(options.seed ?? 0));
  const isVal = new Uint8Array(source.count);
  for (let i = 0; i < nVal; i++) isVal[perm[i]!] = 1;
  const train: number[] = [];
  const val: number[] = [];
  for (let i = 0; i < source.count; i++) (isVal[i] ? val : train).push(i);
  return {
    train: dataSourceView(source, train, `${source.name}/train`),
    validation: dataSourceView(source, val, `${source.name}/validation`),
  };
}

/**
 * Batches of `source` in `order` (default natural order), each read while the previous one is
 * being used (one batch of read-ahead, so memory stays bounded by two batches).
 */
export async function* readBatches(
  source: DataSource,
  batchSize: number,
  order?: ArrayLike<number>,
): AsyncGenerator<SampleBatch> {
  if (!Number.isInteger(batchSize) || batchSize < 1)
    throw new InvalidArgumentError(`batchSize must be a positive integer, got ${batchSize}`);
  const indicesAt = (start: number): number[] => {
    const size = Math.min(batchSize, source.count - start);
    return Array.from({ length: size }, (_, i) => (order ? order[start + i]! : start + i));
  };
  let next: Promise<SampleBatch> | undefined =
    source.count > 0 ? source.read(indicesAt(0)) : undefined;
  for (let start = 0; next !== undefined; start += batchSize) {
    const current = next;
    next = start + batchSize < source.count ? source.read(indicesAt(start + batchSize)) : undefined;
    // A failed read-ahead must not become an unhandled rejection when the consumer stops early.
    next?.catch(() => undefined);
    yield await current;
  }
}

/**
 * The calibration sample of a training set: up to `n` samples in a seeded random order (labels not
 * needed). One definition for every caller (CLI, web app), so the same seed calibrates on the same
 * samples everywhere.
 */
export function calibrationSample(data: Dataset | DataSource, n: number, seed: number): DataSource {
  const source = asDataSource(data);
  const order = shuffledIndices(source.count, createRng(seed));
  return dataSourceView(
    source,
    order.slice(0, Math.min(n, source.count)),
    `${source.name}/calibration`,
  );
}
