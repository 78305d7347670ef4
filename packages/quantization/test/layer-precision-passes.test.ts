import { checkWeightContract, type Graph } from '@collabopt/core';
import { createEngine, type Engine } from '@collabopt/engine';
import { quantizationAwareTraining, quantizePostTraining, simulateQuantized } from '../src';
import { quadrantDataset, smallCnn } from './fixtures';

let engine: Engine;
let trained: Graph;
const train = quadrantDataset(256, 1);
const test = quadrantDataset(256, 2);

beforeAll(async () => {
  engine = await createEngine({ backend: 'wasm' });
  trained = smallCnn(3);
  await engine.fit(trained, train, { epochs: 5, batchSize: 64, learningRate: 1e-2, seed: 1 });
}, 60_000);

/** What every quantization pass leaves with conv2 float and logits at 4 bits. */
function expectConv2FloatLogits4(g: Graph): void {
  expect(g.metadata['quantization']).toMatchObject({ floatLayers: ['conv2'] });
  expect(g.node('conv2').weights['kernel']!.annotations.quant).toBeUndefined();
  expect(g.node('conv2').weights['bias']!.annotations.quant).toBeUndefined();
  // conv2 reads an integer value (pool1, from the integer conv1) and an integer layer reads its
  // output (flatten): both stay annotated, the writer puts DEQUANTIZE/QUANTIZE around conv2.
  expect(g.value('pool1').annotations.quant?.dtype).toBe('int8');
  expect(g.value('conv2').annotations.quant?.dtype).toBe('int8');
  expect(g.node('logits').weights['kernel']!.annotations.quant).toMatchObject({ bits: 4 });
  expect(g.node('dense1').weights['kernel']!.annotations.quant).toMatchObject({ bits: 8 });
  for (const n of ['conv1', 'dense1', 'logits'])
    expect([n, checkWeightContract(g.node(n).weights['kernel']!, 'quant')]).toEqual([
      n,
      { ok: true },
    ]);
}

it('ptq(exclude=[conv2], layerBits=[logits:4]) and qat with the same options keep conv2 float', async () => {
  const floatAcc = (await engine.evaluate(trained, test)).accuracy;
  const ptq = trained.clone();
  await quantizePostTraining(ptq, {
    mode: 'int8',
    engine,
    data: train,
    samples: 200,
    exclude: ['conv2'],
    layerBits: ['logits:4'],
  });
  expectConv2FloatLogits4(ptq);
  const qat = trained.clone();
  const before = Float32Array.from(
    qat.node('conv2').weights['kernel']!.tensor.data as Float32Array,
  );
  await quantizationAwareTraining(qat, engine, train, {
    epochs: 1,
    batchSize: 64,
    maxSteps: 2,
    learningRate: 1e-3,
    seed: 1,
    rangeInit: 'firstBatch',
    exclude: ['conv2'],
    layerBits: ['logits:4'],
  });
  expectConv2FloatLogits4(qat);
  // conv2 trained with the others, as a float layer (no fake-quant, no annotation): it moved
  const after = qat.node('conv2').weights['kernel']!.tensor.data as Float32Array;
  expect(after).not.toEqual(before);
  for (const g of [ptq, qat]) {
    const fake = (await simulateQuantized(engine, g, test)).accuracy;
    expect(Math.abs(fake - floatAcc)).toBeLessThanOrEqual(0.05);
  }
}, 120_000);
