import type * as tfc from '@tensorflow/tfjs-core';
import {
  UnsupportedError,
  silentProgress,
  throwIfCancelled,
  type Graph,
  type ProgressReporter,
  type Value,
} from '@collabopt/core';
import type {
  ActivationTransform,
  DataSource,
  Dataset,
  Engine,
  ValueTarget,
} from '@collabopt/engine';
import { sampleBatches, spreadIndices } from './dataset-batches';
import {
  createRangeEstimator,
  type Range,
  type RangeEstimator,
  type RangeEstimatorKind,
} from './range-estimators';

export interface CalibrationOptions {
  readonly estimator?: RangeEstimatorKind;
  readonly percentile?: number;
  /** Bits of the activations (the mse estimator searches for this grid). */
  readonly bits?: number;
  /** Representative samples to run (the converter suggests 100–500). */
  readonly samples?: number;
  readonly batchSize?: number;
  readonly signal?: AbortSignal;
  readonly progress?: ProgressReporter;
}

/**
 * An inference-mode activation transform that feeds every value it sees to a range estimator and
 * returns it unchanged.
 */
export function observingTransform(
  graph: Graph,
  estimatorFor: (v: Value) => RangeEstimator,
): ActivationTransform {
  return {
    name: 'calibration-observer',
    appliesTo: (t: ValueTarget) =>
      t.graph === graph && t.value.dtype === 'float32' && t.producer.op !== 'Input',
    create: (t: ValueTarget) => {
      const est = estimatorFor(t.value);
      return {
        forward: (x: tfc.Tensor) => {
          est.observe(x.dataSync() as Float32Array);
          return x;
        },
        strip: () => {},
        dispose: () => {},
      };
    },
  };
}

/**
 * Calibration as the TFLite converter does it: run representative samples through the float graph
 * and estimate a range for every activation value (graph input and node outputs), streaming, one
 * batch in memory at a time.
 */
export async function calibrate(
  engine: Engine,
  graph: Graph,
  data: Dataset | DataSource,
  options: CalibrationOptions = {},
): Promise<Map<Value, Range>> {
  if (graph.inputs.length !== 1) {
    throw new UnsupportedError(
      `calibration supports graphs with one input, "${graph.name}" has ${graph.inputs.length}`,
    );
  }
  const kind = options.estimator ?? 'minmax';
  const estimators = new Map<Value, RangeEstimator>();
  const estimatorFor = (v: Value): RangeEstimator => {
    let e = estimators.get(v);
    if (!e) {
      e = createRangeEstimator(kind, {
        ...(options.percentile !== undefined ? { percentile: options.percentile } : {}),
        ...(options.bits !== undefined ? { bits: options.bits } : {}),
      });
      estimators.set(v, e);
    }
    return e;
  };
  const observer = observingTransform(graph, estimatorFor);
  const indices = spreadIndices(data.count, options.samples ?? 500);
  const batchSize = options.batchSize ?? 100;
  const task = (options.progress ?? silentProgress).start('calibrate', indices.length, ' samples');
  const input = graph.inputs[0]!;
  for await (const batch of sampleBatches(data, indices, batchSize)) {
    throwIfCancelled(options.signal, 'calibration');
    estimatorFor(input).observe(batch.x.data as Float32Array);
    await engine.predict(graph, [batch.x], {
      batchSize,
      activationTransforms: [observer],
      ...(options.signal ? { signal: options.signal } : {}),
    });
    task.update(Math.min(indices.length, batch.start + batchSize));
  }
  task.finish();
  const ranges = new Map<Value, Range>();
  for (const [v, e] of estimators) ranges.set(v, e.range());
  return ranges;
}
