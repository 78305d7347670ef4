import { sizeOf } from '@collabopt/core';
import { DataError } from './data-error';
import type { DataSource, LabelInfo, SampleBatch } from './data-source';
import { applyPreprocessing, checkPreprocessing, type Preprocessing } from './preprocessing';
import { readAllIntegers, readRows, type StoredArray } from './stored-array';

/**
 * The per-sample shape of stored rows for a model input: the same shape, or the same without a
 * trailing 1-channel axis (`[N, 28, 28]` for a `[28, 28, 1]` input). A mismatch names the file.
 */
export function matchSampleShape(
  stored: readonly number[],
  sample: readonly number[],
  origin: string,
): readonly number[] {
  const same = (a: readonly number[], b: readonly number[]): boolean =>
    a.length === b.length && a.every((d, i) => b[i]! < 0 || d === b[i]);
  if (same(stored, sample)) return stored;
  if (sample[sample.length - 1] === 1 && same(stored, sample.slice(0, -1))) return [...stored, 1];
  throw new DataError(
    'DATA_SHAPE',
    `samples of shape [${stored.join(', ')}] do not fit the model input [${sample.join(', ')}]`,
    { file: origin },
  );
}

/** Labels read from a stored array: integer ids (rank 1, integer dtype) or dense targets. */
export async function storedLabels(
  y: StoredArray,
  count: number,
): Promise<{ info: LabelInfo; classes?: Int32Array; targets?: StoredArray }> {
  if (y.shape[0] !== count)
    throw new DataError('DATA_SHAPE', `${y.shape[0] ?? 0} labels for ${count} samples`, {
      file: y.origin,
    });
  if (y.shape.length === 1 && y.dtype.kind !== 'f') {
    const classes = await readAllIntegers(y);
    let max = -1;
    for (let i = 0; i < classes.length; i++) {
      const c = classes[i]!;
      if (c < 0)
        throw new DataError('DATA_LABELS', `label ${c} of sample ${i} is negative`, {
          file: y.origin,
        });
      if (c > max) max = c;
    }
    return { info: { kind: 'class', numClasses: max + 1 }, classes };
  }
  return { info: { kind: 'dense', shape: y.shape.slice(1) }, targets: y };
}

export interface ArraySourceParts {
  readonly name: string;
  readonly x: StoredArray;
  readonly sampleShape: readonly number[];
  readonly preprocessing: Preprocessing;
  readonly labels?: Awaited<ReturnType<typeof storedLabels>>;
}

/** A data source reading rows of stored arrays on demand (bounded memory: one batch). */
export function arrayDataSource(parts: ArraySourceParts): DataSource {
  const { x, sampleShape, preprocessing, labels } = parts;
  const channels = sampleShape[sampleShape.length - 1] ?? 1;
  checkPreprocessing(preprocessing, channels);
  const count = x.shape[0]!;
  return {
    name: parts.name,
    count,
    sampleShape,
    preprocessing,
    origin: x.origin,
    ...(labels !== undefined ? { labels: labels.info } : {}),
    async read(indices): Promise<SampleBatch> {
      for (let i = 0; i < indices.length; i++)
        if (!(indices[i]! >= 0 && indices[i]! < count))
          throw new DataError('DATA_SHAPE', `sample ${indices[i]} is outside 0..${count - 1}`, {
            file: x.origin,
          });
      const values = await readRows(x, indices);
      applyPreprocessing(preprocessing, values, channels);
      const batch: { x: Float32Array; size: number; classes?: Int32Array; targets?: Float32Array } =
        { x: values, size: indices.length };
      if (labels?.classes !== undefined)
        batch.classes = Int32Array.from(indices as ArrayLike<number>, (i) => labels.classes![i]!);
      if (labels?.targets !== undefined) batch.targets = await readRows(labels.targets, indices);
      return batch;
    },
  };
}

/** The number of values per sample of a stored array. */
export function rowSize(a: StoredArray): number {
  return sizeOf(a.shape.slice(1));
}
