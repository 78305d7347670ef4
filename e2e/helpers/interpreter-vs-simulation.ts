/**
 * A quantized graph against its TFLite file: random inputs, calibration by the stock PTQ, the IR's
 * integer simulation on the engine, and the file's output in TensorFlow's interpreter (batch 1,
 * sample by sample), compared in steps of the output's quantization (LSB).
 */
import { tensor, type Graph, type Rng } from '@collabopt/core';
import { createDataset, type Engine } from '@collabopt/engine';
import {
  paramsOfValue,
  quantizePostTraining,
  simulationTransform,
  type QuantizationMode,
  type SimulationOptions,
} from '@collabopt/quantization';
import {
  maxAbsError,
  outputsOf,
  runTfInterpreter,
  type SampleInput,
} from '../format-tflite/runtimes';

const sizeOf = (shape: readonly number[]): number => shape.reduce((a, b) => a * b, 1);

/** `count` samples of `sampleShape`, uniform in [−1, 1]. */
export function uniformSamples(
  rng: Rng,
  count: number,
  sampleShape: readonly number[],
): Float32Array {
  return Float32Array.from({ length: count * sizeOf(sampleShape) }, () => rng.uniform(-1, 1));
}

/** Quantize `graph` in place with the stock PTQ, calibrated on every sample of `calibration`. */
export async function quantizeOn(
  graph: Graph,
  engine: Engine,
  mode: QuantizationMode,
  calibration: Float32Array,
  sampleShape: readonly number[],
): Promise<void> {
  const samples = calibration.length / sizeOf(sampleShape);
  const data = createDataset(calibration, new Int32Array(samples), [...sampleShape]);
  await quantizePostTraining(graph, { mode, engine, data, samples });
}

/** The samples of `x` as interpreter invocations of a batch-1 file: one input [1, …sampleShape] each. */
export function batchOneSamples(x: Float32Array, sampleShape: readonly number[]): SampleInput[][] {
  const per = sizeOf(sampleShape);
  return Array.from({ length: x.length / per }, (_, i) => [
    { data: x.subarray(i * per, (i + 1) * per), shape: [1, ...sampleShape] },
  ]);
}

/** A batch-1 TFLite file run sample by sample in TF's interpreter: its first output, concatenated. */
export function interpreterOutput(
  model: Uint8Array,
  x: Float32Array,
  sampleShape: readonly number[],
  what = 'tflite',
): Float32Array {
  const [r] = runTfInterpreter([{ model, samples: batchOneSamples(x, sampleShape) }]);
  return Float32Array.from(outputsOf(r, what).flatMap((s) => s[0]!.data));
}

/** The IR's integer simulation of a quantized graph on `x`: its first output. */
export async function simulateQuantized(
  engine: Engine,
  graph: Graph,
  x: Float32Array,
  sampleShape: readonly number[],
  options: SimulationOptions = {},
): Promise<Float32Array> {
  const n = x.length / sizeOf(sampleShape);
  const [y] = await engine.predict(graph, [tensor('float32', [n, ...sampleShape], x)], {
    activationTransforms: [simulationTransform(graph, options)],
  });
  return y!.data as Float32Array;
}

/** Largest |a − b| in steps of the graph's output quantization. */
export function errorInLsb(a: Float32Array, b: Float32Array, graph: Graph): number {
  return maxAbsError(a, b) / paramsOfValue(graph.outputs[0]!)!.scale;
}
