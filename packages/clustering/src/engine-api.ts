/**
 * The one place this package reaches the engine: its TF.js instance, the training-hook contract,
 * and the engine/dataset accessors. TEMPORARY until the engine exports them from its index:
 * tfjs-core directly (the engine's own copy), the contract types from the engine's declaration
 * file, and minimal accessors with the engine's documented signatures.
 */
import { UnsupportedError, type Graph, type PassContext, type ProgressReporter } from '@collabopt/core';
import type { WeightTransform } from '@collabopt/engine/dist/transforms';

export * as tf from '@tensorflow/tfjs-core';
export type { StepInfo, WeightTarget, WeightTransform, WeightTransformInstance } from '@collabopt/engine/dist/transforms';

export interface Dataset {
  readonly x: Float32Array;
  readonly y: Int32Array;
  readonly sampleShape: number[];
  readonly count: number;
  readonly name?: string;
}

export interface FitOptions {
  epochs: number;
  batchSize: number;
  optimizer?: 'adam' | 'sgd';
  learningRate?: number;
  seed?: number;
  weightTransforms?: WeightTransform[];
  validation?: Dataset;
  progress?: ProgressReporter;
  signal?: AbortSignal;
}

export interface Engine {
  readonly backend: string;
  fit(graph: Graph, data: Dataset, options: FitOptions): Promise<{ history: unknown }>;
}

export type DatasetRole = 'train' | 'validation' | 'test' | 'calibration';

export function getDataset(ctx: PassContext, role: DatasetRole): Dataset | undefined {
  return ctx.data[role] as Dataset | undefined;
}

export async function getEngine(ctx: PassContext): Promise<Engine> {
  if (ctx.engine !== undefined) return ctx.engine as Engine;
  throw new UnsupportedError('fine-tuning needs an engine in the pass context (or use oneShot=true)');
}
