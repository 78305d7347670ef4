import {
  GraphBuilder,
  MemoryLogger,
  PassManager,
  PassRegistry,
  checkWeightContract,
  countUnique,
  createRng,
  tensor,
  type Graph,
} from '@collabopt/core';
import { createEngine, type Engine } from '@collabopt/engine';
import {
  foldBatchNorm,
  paramsOfValue,
  quantizationAwareTraining,
  quantizePostTraining,
  registerQuantizationPasses,
  simulateQuantized,
} from '../src';
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

function expectFullyAnnotated(graph: Graph): void {
  for (const node of graph.nodes) {
    for (const v of node.outputs) {
      expect([v.name, v.annotations.quant?.dtype]).toEqual([v.name, 'int8']);
      expect(v.annotations.range).toBeDefined();
    }
  }
  for (const { node, slot, weight } of graph.weights()) {
    expect([node.name, slot, checkWeightContract(weight, 'quant')]).toEqual([
      node.name,
      slot,
      { ok: true },
    ]);
  }
}

describe('ptq', () => {
  it('int8: calibrates every value, shares pool/flatten parameters, keeps fake-int8 accuracy near float', async () => {
    const floatAcc = (await engine.evaluate(trained, test)).accuracy;
    expect(floatAcc).toBeGreaterThan(0.9);
    const g = trained.clone();
    const r = await quantizePostTraining(g, {
      mode: 'int8',
      engine,
      data: train,
      samples: 200,
      reportSamples: 64,
    });
    expectFullyAnnotated(g);
    expect(g.metadata['quantization']).toEqual({ mode: 'int8' });
    expect(paramsOfValue(g.value('pool1'))).toEqual(paramsOfValue(g.value('conv1')));
    expect(paramsOfValue(g.value('flatten'))).toEqual(paramsOfValue(g.value('conv2')));
    // relu outputs calibrate to [0, max]: zero point −128
    expect(paramsOfValue(g.value('conv1'))!.zeroPoint).toBe(-128);
    // the input range of pixels in [0, 1]
    expect(g.value('input').annotations.range!.min).toBe(0);
    expect(r.report.weights.length).toBe(8);
    expect(r.report.activations.map((a) => a.value)).toContain('logits');
    for (const a of r.report.activations) expect(a.sqnrDb).toBeGreaterThan(15);
    const fake = (await simulateQuantized(engine, g, test)).accuracy;
    expect(Math.abs(fake - floatAcc)).toBeLessThanOrEqual(0.02);
  }, 60_000);

  it('percentile and mse estimators give ranges inside the minmax range', async () => {
    const ranges: Record<string, number> = {};
    for (const estimator of ['minmax', 'percentile', 'mse'] as const) {
      const g = trained.clone();
      await quantizePostTraining(g, { mode: 'int8', estimator, engine, data: train, samples: 128 });
      ranges[estimator] = g.value('dense1').annotations.range!.max;
    }
    expect(ranges['percentile']).toBeLessThanOrEqual(ranges['minmax']!);
    expect(ranges['mse']).toBeLessThanOrEqual(ranges['minmax']!);
  }, 60_000);

  it('int16x8: int16 symmetric activations and int64 biases', async () => {
    const g = trained.clone();
    await quantizePostTraining(g, { mode: 'int16x8', engine, data: train, samples: 64 });
    expect(g.value('conv1').annotations.quant).toMatchObject({ dtype: 'int16', bits: 16 });
    expect(g.value('conv1').annotations.quant!.zeroPoint[0]).toBe(0);
    expect(g.node('conv1').weights['bias']!.annotations.quant!.dtype).toBe('int64');
  }, 30_000);

  it("runs as a pipeline pass and keeps a pruned weight's zeros and a clustered weight's ≤ k values", async () => {
    const g = trained.clone();
    // prune dense1 (every other weight) and cluster logits' kernel to 4 values, as earlier passes would
    const d1 = g.node('dense1').weights['kernel']!;
    const d1data = d1.tensor.data as Float32Array;
    const mask = Uint8Array.from(d1data, (_, i) => i % 2);
    mask.forEach((m, i) => (m === 0 ? (d1data[i] = 0) : undefined));
    d1.annotations.mask = { mask };
    const lk = g.node('logits').weights['kernel']!;
    const ldata = lk.tensor.data as Float32Array;
    const centroids = Float32Array.of(-0.4, -0.1, 0.1, 0.4);
    const indices = Uint8Array.from(ldata, (v) => (v < -0.25 ? 0 : v < 0 ? 1 : v < 0.25 ? 2 : 3));
    indices.forEach((j, i) => (ldata[i] = centroids[j]!));
    lk.annotations.codebook = { centroids, indices, clusters: 4 };

    const passes = new PassRegistry();
    registerQuantizationPasses(passes);
    const logger = new MemoryLogger();
    const pm = new PassManager({
      passRegistry: passes,
      engine,
      data: { calibration: train },
      logger,
    });
    pm.addPipeline('ptq(mode=int8, samples=100)');
    const { graph, warnings } = await pm.run(g);
    expect(warnings).toEqual([]);
    const q1 = graph.node('dense1').weights['kernel']!;
    expect(checkWeightContract(q1, 'mask')).toEqual({ ok: true });
    expect((q1.tensor.data as Float32Array).filter((v) => v === 0).length).toBeGreaterThanOrEqual(
      mask.length / 2,
    );
    const ql = graph.node('logits').weights['kernel']!;
    expect(checkWeightContract(ql, 'codebook')).toEqual({ ok: true });
    expect(countUnique(ql.tensor.data as Float32Array)).toBeLessThanOrEqual(4);
  }, 60_000);

  it('dynamic and float16 need no data', async () => {
    const passes = new PassRegistry();
    registerQuantizationPasses(passes);
    for (const mode of ['dynamic', 'float16']) {
      const pm = new PassManager({ passRegistry: passes, logger: new MemoryLogger() });
      pm.addPipeline(`ptq(mode=${mode})`);
      const { graph } = await pm.run(trained.clone());
      expect(graph.metadata['quantization']).toEqual({ mode });
      expect(graph.value('conv1').annotations.quant).toBeUndefined();
    }
  });

  it('int8 without a calibration set is a typed error naming what to give', async () => {
    const passes = new PassRegistry();
    registerQuantizationPasses(passes);
    const pm = new PassManager({ passRegistry: passes, logger: new MemoryLogger() });
    pm.addPipeline('ptq(mode=int8)');
    await expect(pm.run(trained.clone())).rejects.toThrow(/representative data set/);
  });
});

describe('qat', () => {
  it('fine-tunes with fake-quant and leaves an int8-annotated graph whose simulation keeps accuracy', async () => {
    const g = trained.clone();
    const floatAcc = (await engine.evaluate(trained, test)).accuracy;
    await quantizationAwareTraining(g, engine, train, {
      epochs: 1,
      batchSize: 64,
      maxSteps: 3,
      learningRate: 1e-3,
      seed: 2,
    });
    expectFullyAnnotated(g);
    expect(g.value('conv1').annotations.range!.source).toBe('qat:ema');
    expect(g.value('input').annotations.range!.source).toBe('qat:all-values');
    expect(paramsOfValue(g.value('pool1'))).toEqual(paramsOfValue(g.value('conv1')));
    const fake = (await simulateQuantized(engine, g, test)).accuracy;
    expect(fake).toBeGreaterThanOrEqual(floatAcc - 0.03);
  }, 60_000);

  it('declares that it drops masks and names the family', async () => {
    const passes = new PassRegistry();
    registerQuantizationPasses(passes);
    expect(passes.get('qat').family).toBe('qat');
    expect(passes.get('qat').drops).toEqual(['mask', 'codebook']);
    const g = trained.clone();
    const k = g.node('dense1').weights['kernel']!;
    const data = k.tensor.data as Float32Array;
    const mask = Uint8Array.from(data, (_, i) => i % 2);
    mask.forEach((m, i) => (m === 0 ? (data[i] = 0) : undefined));
    k.annotations.mask = { mask };
    const logger = new MemoryLogger();
    const pm = new PassManager({ passRegistry: passes, engine, data: { train }, logger });
    pm.addPipeline('qat(epochs=1, batchSize=64, maxSteps=2, learningRate=0.05)');
    const { graph, warnings } = await pm.run(g);
    expect(warnings.join('\n')).toMatch(/qat drops the sparsity/);
    expect(graph.node('dense1').weights['kernel']!.annotations.mask).toBeUndefined();
  }, 60_000);
});

describe('foldBatchNorm through the engine', () => {
  it('the folded graph predicts what the unfolded one did', async () => {
    const b = new GraphBuilder('bn', { seed: 5 });
    const x = b.input('x', [-1, 6, 6, 2]);
    const c = b.layer('Conv2D', 'conv', x, { filters: 3, kernelSize: [3, 3], padding: 'same' });
    const rng = createRng(9);
    const vec = (lo: number, hi: number) =>
      tensor(
        'float32',
        [3],
        Float32Array.from({ length: 3 }, () => rng.uniform(lo, hi)),
      );
    const bn = b.layer(
      'BatchNorm',
      'bn',
      c,
      {},
      {
        gamma: vec(0.5, 2),
        beta: vec(-1, 1),
        movingMean: vec(-0.5, 0.5),
        movingVariance: vec(0.2, 2),
      },
    );
    const dw = b.layer('DepthwiseConv2D', 'dw', bn, { kernelSize: [3, 3], padding: 'same' });
    const bn2 = b.layer(
      'BatchNorm',
      'bn2',
      dw,
      {},
      {
        gamma: vec(0.5, 2),
        beta: vec(-1, 1),
        movingMean: vec(-0.5, 0.5),
        movingVariance: vec(0.2, 2),
      },
    );
    const g = b.build(b.layer('Dense', 'head', b.layer('Flatten', 'flat', bn2), { units: 4 }));
    const input = tensor(
      'float32',
      [3, 6, 6, 2],
      Float32Array.from({ length: 216 }, () => rng.uniform(-1, 1)),
    );
    const [before] = await engine.predict(g, [input]);
    expect(foldBatchNorm(g).folded.length).toBe(2);
    const [after] = await engine.predict(g, [input]);
    const a = after!.data as Float32Array;
    (before!.data as Float32Array).forEach((v, i) => expect(a[i]).toBeCloseTo(v, 4));
  });
});
