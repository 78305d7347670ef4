import * as path from 'node:path';
import {
  InvalidArgumentError,
  createConsoleLogger,
  createStreamProgress,
  readModel,
  type Graph,
  type FormatDefinition,
} from '@collabopt/core';
import { getEngine, referenceCnn, type Engine } from '@collabopt/engine';
import { DATA_FORMS, loadDataSets, type PipelineData } from '../data-sets';
import { print, type CliIo } from '../io';
import { prepareOutput } from '@collabopt/preserve';

/** What `tree`, `tree --budget` and `sensitivity` start from. */
export interface TreeBaselineOptions {
  data?: string;
  labels?: string;
  preprocess?: string;
  inputShapes?: Record<string, number[]>;
  seed: number;
  /** Baseline training epochs of the built-in demo (reference CNN). */
  epochs: number;
  /** Where the int8 TFLite files go (checked writable before any work). */
  output: string;
}

export interface TreeBaseline {
  readonly baseline: Graph;
  /** The int8 TFLite writer, already proven to write this model. */
  readonly format: FormatDefinition;
  readonly data: PipelineData & {
    readonly train: NonNullable<PipelineData['train']>;
    readonly test: NonNullable<PipelineData['test']>;
  };
  readonly engine: Engine;
}

/**
 * Read the user's model (or build the reference CNN for the built-in demo), prove its int8 TFLite
 * file writable, load the data (train and test needed: `command` says why in the error), and train
 * the demo's baseline.
 */
export async function prepareTreeBaseline(
  input: string | undefined,
  options: TreeBaselineOptions,
  io: CliIo,
  command = 'the tree',
): Promise<TreeBaseline> {
  let baseline: Graph;
  if (input) {
    baseline = await readModel(input, {
      logger: createConsoleLogger('info', io.stderr),
      ...(options.inputShapes ? { inputShapes: options.inputShapes } : {}),
    });
  } else {
    baseline = referenceCnn(options.seed);
  }
  // Every leaf is an int8 TFLite file: legalize and prove the first one writable before any work.
  const { format, steps } = await prepareOutput(
    baseline,
    path.join(options.output, 'leaf.tflite'),
    { format: 'tflite', pipeline: 'ptq(mode=int8)' },
  );
  for (const s of steps) io.stderr.write(`legalize: ${s.detail}\n`);

  // The embedded digits are the demo's default only: a user's model needs the user's data.
  const data = await loadDataSets({
    ...(options.data !== undefined ? { data: options.data } : input ? {} : { data: 'mnist' }),
    ...(options.labels !== undefined ? { labels: options.labels } : {}),
    ...(options.preprocess !== undefined ? { preprocess: options.preprocess } : {}),
    seed: options.seed,
    inputShape: baseline.inputs[0]?.shape ?? [],
  });
  const { train, test } = data;
  if (!train || !test)
    throw new InvalidArgumentError(
      `${command} fine-tunes and evaluates: it needs data (--data ${data.name} gives none); accepted: ${DATA_FORMS}`,
      { field: '--data' },
    );
  if (!input && !data.labelled)
    throw new InvalidArgumentError(
      'the built-in demo trains the reference CNN from scratch: it needs labels (drop --labels none)',
      { field: '--labels' },
    );
  const engine = await getEngine();
  if (!input) {
    print(
      io,
      `training the reference CNN on ${data.name} (${train.count} samples, ${options.epochs} epochs, backend ${engine.backend})`,
    );
    await engine.fit(baseline, train, {
      epochs: options.epochs,
      batchSize: 128,
      optimizer: 'adam',
      learningRate: 1e-3,
      seed: options.seed,
      progress: createStreamProgress(io.stderr),
      signal: io.signal,
    });
  }
  return { baseline, format, data: { ...data, train, test }, engine };
}
