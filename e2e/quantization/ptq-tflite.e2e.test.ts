/**
 * The quantization passes and the TFLite exporter agree through a real runtime: a small CNN is
 * quantized (PTQ int8, PTQ int8-io, QAT), written with @collabopt/format-tflite and run by
 * TensorFlow's TFLite interpreter; its outputs must match our fake-int8 simulation of the same graph
 * to within one output quantization step (integer kernels round differently from float math).
 */
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { GraphBuilder, createRng, tensor, type Graph } from '@collabopt/core';
import { createEngine, type Dataset, type Engine } from '@collabopt/engine';
import * as tflite from '@collabopt/format-tflite';
import {
  paramsOfValue,
  quantizationAwareTraining,
  quantizePostTraining,
  simulationTransform,
} from '@collabopt/quantization';
import { runPython } from '../helpers/oracle';

const writeTflite = (tflite as { writeTflite?: (g: Graph) => Uint8Array }).writeTflite;
const describeIfExporter = typeof writeTflite === 'function' ? describe : describe.skip;

function dataset(count: number, seed: number): Dataset {
  const rng = createRng(seed);
  const x = Float32Array.from({ length: count * 64 }, () => rng.uniform(0, 1));
  const y = Int32Array.from({ length: count }, () => rng.int(4));
  return { x, y, sampleShape: [8, 8, 1], count };
}

function cnn(): Graph {
  const b = new GraphBuilder('e2e_cnn', { seed: 7 });
  const x = b.input('input', [-1, 8, 8, 1]);
  let h = b.layer('Conv2D', 'conv1', x, {
    filters: 4,
    kernelSize: [3, 3],
    padding: 'same',
    activation: 'relu',
  });
  h = b.layer('MaxPool2D', 'pool1', h, { poolSize: [2, 2] });
  h = b.layer('DepthwiseConv2D', 'dw', h, {
    kernelSize: [3, 3],
    padding: 'same',
    activation: 'relu',
  });
  h = b.layer('Conv2D', 'conv2', h, { filters: 8, kernelSize: [3, 3], activation: 'relu' });
  h = b.layer('Flatten', 'flatten', h);
  h = b.layer('Dense', 'dense1', h, { units: 16, activation: 'relu' });
  const g = b.build(b.layer('Dense', 'logits', h, { units: 4 }));
  const rng = createRng(11);
  for (const { slot, weight } of g.weights()) {
    if (slot === 'bias')
      (weight.tensor.data as Float32Array).forEach((_, i, a) => (a[i] = rng.uniform(-0.1, 0.1)));
  }
  return g;
}

let engine: Engine;
const work = mkdtempSync(path.join(os.tmpdir(), 'collabopt-e2e-quant-'));
const data = dataset(128, 1);
const probe = dataset(32, 2);

beforeAll(async () => {
  engine = await createEngine();
});

async function compareWithInterpreter(
  g: Graph,
  name: string,
  runner: Engine = engine,
): Promise<void> {
  const file = path.join(work, `${name}.tflite`);
  writeFileSync(file, writeTflite!(g));
  const inFile = path.join(work, `${name}.in.bin`);
  const outFile = path.join(work, `${name}.out.bin`);
  writeFileSync(inFile, Buffer.from(probe.x.buffer));
  runPython(path.join(__dirname, 'run_tflite.py'), [file, inFile, `${probe.count},8,8,1`, outFile]);
  const buf = readFileSync(outFile);
  const real = new Float32Array(buf.buffer.slice(buf.byteOffset, buf.byteOffset + buf.byteLength));
  const [sim] = await runner.predict(g, [tensor('float32', [probe.count, 8, 8, 1], probe.x)], {
    activationTransforms: [simulationTransform(g)],
  });
  const simData = sim!.data as Float32Array;
  const step = paramsOfValue(g.outputs[0]!)!.scale;
  expect(real.length).toBe(simData.length);
  let within = 0;
  for (let i = 0; i < real.length; i++)
    if (Math.abs(real[i]! - simData[i]!) <= step * 1.001) within++;
  // integer requantization may differ from float math by one step; allow a few more after propagation
  expect(within / real.length).toBeGreaterThanOrEqual(0.95);
  const argmaxAgree = Array.from({ length: probe.count }, (_, s) => {
    const row = (a: Float32Array) => Array.from(a.subarray(s * 4, s * 4 + 4));
    const am = (r: number[]) => r.indexOf(Math.max(...r));
    return am(row(real)) === am(row(simData));
  }).filter(Boolean).length;
  expect(argmaxAgree).toBeGreaterThanOrEqual(probe.count - 2);
}

describeIfExporter('quantized graphs run in the TFLite interpreter as simulated', () => {
  it('PTQ int8 (float I/O)', async () => {
    const g = cnn();
    await quantizePostTraining(g, { mode: 'int8', engine, data, samples: 128 });
    await compareWithInterpreter(g, 'ptq-int8');
  });

  it('PTQ int8-io (int8 inputs and outputs)', async () => {
    const g = cnn();
    await quantizePostTraining(g, { mode: 'int8-io', engine, data, samples: 128 });
    await compareWithInterpreter(g, 'ptq-int8-io');
  });

  it('QAT int8', async () => {
    // Training needs gradient kernels; the plain-JS backend has them all (two steps are enough here).
    const trainer = await createEngine({ backend: 'cpu' });
    const g = cnn();
    await quantizationAwareTraining(g, trainer, data, { epochs: 1, batchSize: 32, maxSteps: 2 });
    await compareWithInterpreter(g, 'qat-int8', trainer);
  });
});
