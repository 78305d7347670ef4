import { InvalidArgumentError, type PassContext } from '@collabopt/core';
import type { Dataset } from './data/dataset';
import { isDataSource, type DataSource } from './data/data-source';
import { Engine, createEngine } from './engine';

let defaultEngine: Promise<Engine> | undefined;

/** The pass context's engine, or a default engine (best backend) created once per process. */
export async function getEngine(ctx?: Pick<PassContext, 'engine'>): Promise<Engine> {
  const e = ctx?.engine;
  if (e instanceof Engine) return e;
  if (e !== undefined && e !== null) {
    throw new InvalidArgumentError(
      'PassContext.engine is not a collabopt Engine (create it with createEngine())',
    );
  }
  defaultEngine ??= createEngine();
  return defaultEngine;
}

export type DatasetRole = 'train' | 'validation' | 'test' | 'calibration';

function isDataset(x: unknown): x is Dataset {
  const d = x as Dataset | undefined;
  return (
    d !== undefined &&
    d !== null &&
    d.x instanceof Float32Array &&
    d.y instanceof Int32Array &&
    Array.isArray(d.sampleShape)
  );
}

/** The data set the pass context holds for `role`, or undefined. A non-Dataset value is a typed error. */
export function getDataset(ctx: Pick<PassContext, 'data'>, role: DatasetRole): Dataset | undefined {
  const d = ctx.data[role];
  if (d === undefined || d === null) return undefined;
  if (!isDataset(d))
    throw new InvalidArgumentError(
      `PassContext.data.${role} is not a Dataset ({ x: Float32Array, y: Int32Array, sampleShape, count })`,
    );
  return d;
}

/**
 * The pass context's data for `role` as given: an in-memory `Dataset` or a streamed `DataSource`
 * (a user's folder or file from `openDataSet`), or undefined. Anything else is a typed error.
 */
export function getDataSource(
  ctx: Pick<PassContext, 'data'>,
  role: DatasetRole,
): Dataset | DataSource | undefined {
  const d = ctx.data[role];
  if (d === undefined || d === null) return undefined;
  if (isDataSource(d)) return d;
  if (isDataset(d)) return d;
  throw new InvalidArgumentError(
    `PassContext.data.${role} is neither a Dataset nor a DataSource (see openDataSet)`,
  );
}
