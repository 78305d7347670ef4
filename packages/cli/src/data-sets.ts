import { dirname } from 'node:path';
import { InvalidArgumentError } from '@collabopt/core';
import {
  loadFashionMnist,
  loadMnistDigits,
  representativeSubset,
  type Dataset,
} from '@collabopt/engine';

export type DataSetName = 'mnist' | 'fashion-mnist' | 'none';

export interface PipelineData {
  readonly name: DataSetName;
  readonly train?: Dataset;
  readonly test?: Dataset;
  /** Representative subset for calibration (500 samples, class-balanced, seeded). */
  readonly calibration?: Dataset;
}

/** Resolve `--data`: the embedded MNIST digits (default), Debian's Fashion-MNIST, or none (one-shot passes only). */
export function loadDataSets(name: string, seed: number): PipelineData {
  let tt: { train: Dataset; test: Dataset } | undefined;
  switch (name) {
    case 'mnist':
      // `mnist` is the CLI's dependency (not the engine's): resolve it from here.
      tt = loadMnistDigits(dirname(require.resolve('mnist/package.json')));
      break;
    case 'fashion-mnist':
      tt = loadFashionMnist();
      break;
    case 'none':
      return { name: 'none' };
    default:
      throw new InvalidArgumentError(
        `unknown data set "${name}": use mnist (embedded), fashion-mnist or none`,
        { field: '--data' },
      );
  }
  return {
    name,
    train: tt.train,
    test: tt.test,
    calibration: representativeSubset(tt.train, 500, seed),
  };
}

/** The PassContext `data` record for a pipeline. */
export function contextData(d: PipelineData): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  if (d.train) out['train'] = d.train;
  if (d.test) out['test'] = d.test;
  if (d.calibration) out['calibration'] = d.calibration;
  return out;
}
