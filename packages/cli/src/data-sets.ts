import { existsSync, statSync } from 'node:fs';
import * as path from 'node:path';
import { InvalidArgumentError } from '@collabopt/core';
import {
  BUILTIN_DATA_SETS,
  DATA_SPEC_HELP,
  calibrationSample,
  describePreprocessing,
  openDataSet,
  parsePreprocessing,
  splitDataSource,
  type DataSource,
  type OpenDataSetOptions,
} from '@collabopt/engine';

export interface PipelineData {
  /** What `--data` named, for messages and reports. */
  readonly name: string;
  readonly train?: DataSource;
  /** Held out of `train` by a seeded split (the built-ins' test part for them). */
  readonly validation?: DataSource;
  /** What leaves are measured on: the built-ins' test part, a user's validation part. */
  readonly test?: DataSource;
  /** Up to 500 training samples in seeded random order, for PTQ's calibration. */
  readonly calibration?: DataSource;
  /** False without labels (`--labels none`, or a flat image folder / arrays without `y`). */
  readonly labelled: boolean;
  /** The preprocessing applied, said in reports. */
  readonly preprocess: string;
  /** Fraction of a user's data held out (undefined for data with its own test part). */
  readonly validationSplit?: number;
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
  /** The model's input shape (with or without the batch dimension). */
  readonly inputShape: readonly number[];
  /** `--validation-split` (recipe `validationSplit`): fraction of a user's data held out. */
  readonly validationSplit?: number;
  /** The largest fine-tuning batch of the run: the training part must hold one. */
  readonly trainingBatch?: number;
}

export const DATA_FORMS = `${DATA_SPEC_HELP}, a folder of MNIST-format idx files (train-…, t10k-… as the test part), or none (one-shot passes only)`;

/** Default fraction of a user's data set held out for validation and the leaves' measurements. */
export const VALIDATION_FRACTION = 0.2;

/** `--validation-split`: a number strictly between 0 and 1. */
export function checkValidationSplit(value: number, field = '--validation-split'): number {
  if (!(Number.isFinite(value) && value > 0 && value < 1))
    throw new InvalidArgumentError(
      `${field} is the fraction of the data held out for validation: a number between 0 and 1 (exclusive), got ${value}`,
      { field },
    );
  return value;
}
const CALIBRATION_SAMPLES = 500;

function missingData(): never {
  throw new InvalidArgumentError(
    `missing --data: the data to calibrate, fine-tune and evaluate with; accepted: ${DATA_FORMS}`,
    { field: '--data' },
  );
}

/** `<folder>/<part>-images-idx3-ubyte[.gz]` when it exists (an MNIST-format folder). */
function idxImages(folder: string, part: 'train' | 't10k'): string | undefined {
  const name = path.join(folder, `${part}-images-idx3-ubyte`);
  return [name, `${name}.gz`].find((f) => existsSync(f));
}

/** A folder of MNIST-format idx files: its train and t10k (test) parts, when it is one. */
function idxFolder(spec: string): { train: string; test?: string } | undefined {
  if (!existsSync(spec) || !statSync(spec).isDirectory()) return undefined;
  const train = idxImages(spec, 'train');
  if (train === undefined) return undefined;
  const test = idxImages(spec, 't10k');
  return test !== undefined ? { train, test } : { train };
}

/**
 * Resolve `--data`, `--labels` and `--preprocess` into the data sources passes read (the engine's
 * `openDataSet`: built-ins, image folders, .npy/.npz, idx files), checked against the model's input
 * shape. A user's data set is split (seeded) into train and validation (`validationSplit`, default
 * 0.2; the training part must hold one `trainingBatch`); the built-ins keep their own test part. Every problem is a typed error naming the file, before any pass runs.
 */
export async function loadDataSets(request: DataRequest): Promise<PipelineData> {
  const spec = request.data ?? missingData();
  if (request.labels !== undefined && request.labels !== 'none')
    throw new InvalidArgumentError(
      `--labels takes only "none" (fine-tune without labels), got "${request.labels}"`,
      { field: '--labels' },
    );
  const preprocess =
    request.preprocess !== undefined ? parsePreprocessing(request.preprocess) : undefined;
  if (request.validationSplit !== undefined) checkValidationSplit(request.validationSplit);
  if (spec === 'none') return { name: 'none', labelled: false, preprocess: 'none (no data)' };
  const options: OpenDataSetOptions = {
    inputShape: request.inputShape,
    ...(preprocess ? { preprocess } : {}),
    ...(request.labels === 'none' ? { labels: 'none' as const } : {}),
  };
  const idx = idxFolder(spec);
  const whole = await openDataSet(idx?.train ?? spec, options);
  let train: DataSource;
  let validation: DataSource;
  let test: DataSource;
  let validationSplit: number | undefined;
  if ((BUILTIN_DATA_SETS as readonly string[]).includes(spec) || idx?.test !== undefined) {
    if (request.validationSplit !== undefined)
      throw new InvalidArgumentError(
        `--validation-split: ${spec} has its own test part, which is what the results are measured on; drop --validation-split`,
        { field: '--validation-split' },
      );
    // A data set with its own test part (the built-ins, an idx folder with t10k files).
    train = whole;
    test =
      idx?.test !== undefined
        ? await openDataSet(idx.test, options)
        : await openDataSet(spec, { ...options, split: 'test' });
    validation = test;
  } else {
    validationSplit = request.validationSplit ?? VALIDATION_FRACTION;
    ({ train, validation } = splitDataSource(whole, {
      validationFraction: validationSplit,
      seed: request.seed,
      ...(request.trainingBatch !== undefined ? { minimumTrain: request.trainingBatch } : {}),
    }));
    test = validation;
  }
  return {
    name: spec,
    train,
    validation,
    test,
    calibration: calibrationSample(train, CALIBRATION_SAMPLES, request.seed),
    labelled: whole.labels !== undefined,
    preprocess: whole.preprocessing ? describePreprocessing(whole.preprocessing) : 'none',
    ...(validationSplit !== undefined ? { validationSplit } : {}),
  };
}

/** The PassContext `data` record for a pipeline. */
export function contextData(d: PipelineData): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  if (d.train) out['train'] = d.train;
  if (d.validation) out['validation'] = d.validation;
  if (d.test) out['test'] = d.test;
  if (d.calibration) out['calibration'] = d.calibration;
  return out;
}
