import { InvalidArgumentError, type Graph, type PassContext, type ProgressReporter } from '@collabopt/core';
import type { WeightTransform } from '@collabopt/engine/dist/transforms';

// The parts of the engine API the prune pass uses (replaced by the engine's own types on merge).
export interface DatasetLike {
  readonly x: Float32Array;
  readonly y: Int32Array;
  readonly sampleShape: readonly number[];
  readonly count: number;
  readonly name?: string;
}

export interface EngineLike {
  evaluate(graph: Graph, data: DatasetLike, options?: { batchSize?: number }): Promise<{ loss: number; accuracy: number }>;
  fit(
    graph: Graph,
    data: DatasetLike,
    options: {
      epochs: number;
      batchSize: number;
      optimizer?: 'adam' | 'sgd';
      learningRate?: number;
      seed?: number;
      weightTransforms?: WeightTransform[];
      progress?: ProgressReporter;
      signal?: AbortSignal;
    },
  ): Promise<unknown>;
}

export type DataRole = 'train' | 'validation' | 'test' | 'calibration';

export function datasetFor(ctx: PassContext, role: DataRole): DatasetLike | undefined {
  const d = ctx.data[role] as DatasetLike | undefined;
  return d !== undefined && d.count > 0 ? d : undefined;
}

export async function engineFor(ctx: PassContext): Promise<EngineLike> {
  if (ctx.engine === undefined) {
    throw new InvalidArgumentError('pruning with fine-tuning needs an engine in the pass context');
  }
  return ctx.engine as EngineLike;
}
