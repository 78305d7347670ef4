import { existsSync, statSync } from 'node:fs';
import * as path from 'node:path';
import { InvalidArgumentError } from '@collabopt/core';
import {
  createDataset,
  loadFashionMnist,
  loadMnistDigits,
  representativeSubset,
  type Dataset,
} from '@collabopt/engine';
import { describePreprocess, parsePreprocess, type Preprocess } from './preprocess';

export interface PipelineData {
  /** What `--data` named, for messages and reports. */
  readonly name: string;
  readonly train?: Dataset;
  readonly test?: Dataset;
  /** Representative subset for calibration (500 samples, class-balanced, seeded). */
  readonly calibration?: Dataset;
  /** False with `--labels none`: only calibration data is given to passes. */
  readonly labelled: boolean;
  /** The preprocessing applied, said in reports (e.g. "x/255"). */
  readonly preprocess: string;
}

/** What the user asked for on the command line. */
export interface DataRequest {
  /** `--data`: undefined when the user gave none. */
  readonly data?: string;
  /** `--labels none`. */
  readonly labels?: string;
  /** `--preprocess`. */
  readonly preprocess?: string;
  readonly seed: number;
}

export const DATA_FORMS =
  'mnist (embedded digits), fashion-mnist (Debian dataset-fashion-mnist), none (one-shot passes only), or a folder holding MNIST-format idx files (train-images-idx3-ubyte[.gz], train-labels-idx1-ubyte[.gz], t10k-…)';

function missingData(): never {
  throw new InvalidArgumentError(
    `missing --data: the data to calibrate, fine-tune and evaluate with; accepted: ${DATA_FORMS}`,
    {
      field: '--data',
    },
  );
}

function builtIn(name: string): { train: Dataset; test: Dataset } | undefined {
  // `mnist` is the CLI's dependency (not the engine's): resolve it from here.
  if (name === 'mnist') return loadMnistDigits(path.dirname(require.resolve('mnist/package.json')));
  if (name === 'fashion-mnist') return loadFashionMnist();
  return undefined;
}

function fromPath(spec: string): { train: Dataset; test: Dataset } {
  if (!existsSync(spec))
    throw new InvalidArgumentError(
      `--data "${spec}" is neither a known data set nor an existing file or folder; accepted: ${DATA_FORMS}`,
      {
        field: '--data',
        file: spec,
      },
    );
  if (statSync(spec).isDirectory()) {
    const names = ['train-images-idx3-ubyte', 'train-labels-idx1-ubyte'];
    if (
      names.every((n) => existsSync(path.join(spec, n)) || existsSync(path.join(spec, `${n}.gz`)))
    )
      return loadFashionMnist(spec);
  }
  throw new InvalidArgumentError(
    `--data "${spec}": image folders, .npy and .npz files are not readable by this build yet (issue #13 item 1); accepted: ${DATA_FORMS}`,
    { field: '--data', file: spec },
  );
}

/** Apply `--preprocess` to a data set whose pixels arrive scaled to [0, 1]. */
export function applyPreprocess(d: Dataset, p: Preprocess | undefined): Dataset {
  if (!p) return d;
  // Built-in and idx pixels arrive scaled to [0, 1]; preprocessing is defined on raw 0..255 pixels.
  const channels = d.sampleShape[d.sampleShape.length - 1] ?? 1;
  const x = new Float32Array(d.x.length);
  for (let i = 0; i < x.length; i++) {
    const raw = d.x[i]! * 255;
    const c = i % channels;
    x[i] =
      p.kind === 'scale'
        ? raw * p.scale + p.offset
        : (raw - p.mean[p.mean.length === 1 ? 0 : c]!) / p.std[p.std.length === 1 ? 0 : c]!;
  }
  return createDataset(x, d.y, d.sampleShape, d.name);
}

/**
 * Resolve `--data`, `--labels` and `--preprocess` into the data sets passes get. The one place
 * the CLI opens data: swapped for the engine's data layer when it reads image folders and arrays.
 */
export function loadDataSets(request: DataRequest): PipelineData {
  const spec = request.data ?? missingData();
  const p = request.preprocess !== undefined ? parsePreprocess(request.preprocess) : undefined;
  if (request.labels !== undefined && request.labels !== 'none')
    throw new InvalidArgumentError(
      `--labels takes only "none" (fine-tune without labels), got "${request.labels}"`,
      {
        field: '--labels',
      },
    );
  const labelled = request.labels !== 'none';
  const base = { name: spec, labelled, preprocess: p ? describePreprocess(p) : 'x/255' };
  if (spec === 'none') return { ...base, name: 'none' };
  const tt = builtIn(spec) ?? fromPath(spec);
  const train = applyPreprocess(tt.train, p);
  const test = applyPreprocess(tt.test, p);
  const calibration = representativeSubset(train, 500, request.seed);
  return labelled ? { ...base, train, test, calibration } : { ...base, calibration };
}

/** The PassContext `data` record for a pipeline. */
export function contextData(d: PipelineData): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  if (d.train) out['train'] = d.train;
  if (d.test) out['test'] = d.test;
  if (d.calibration) out['calibration'] = d.calibration;
  return out;
}
