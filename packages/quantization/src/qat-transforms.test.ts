import { createEngine } from '@collabopt/engine';
import {
  GraphBuilder,
  checkWeightQuant,
  defaultOpRegistry,
  tensor as coreTensor,
  type Graph,
} from '@collabopt/core';
import {
  ActivationRange,
  EMA_DECAY,
  annotateQatActivations,
  qatActivationTransform,
  qatWeightTransform,
} from './qat-transforms';
import { quantizeSymmetric, weightQuantAnnotation } from './weight-quantization';
import { nudgeRange, paramsFromNudged } from './quant-params';
import { tf } from './tf';

beforeAll(async () => {
  await createEngine({ backend: 'cpu' });
});

const TRAIN = { step: 1, epoch: 0, training: true };
const EVAL = { step: 1, epoch: 0, training: false };

describe('ActivationRange (spec §3.3)', () => {
  it('EMA starts at [−6, 6] and moves by 0.001 of the batch range per step, without bias correction', () => {
    const r = new ActivationRange('ema');
    expect([r.min, r.max]).toEqual([-6, 6]);
    r.update(0.5, 2); // relu-like batch: rmin = min(0.5, 0) = 0
    expect(r.min).toBeCloseTo(EMA_DECAY * -6, 12);
    expect(r.max).toBeCloseTo(EMA_DECAY * 6 + (1 - EMA_DECAY) * 2, 12);
    for (let i = 0; i < 20000; i++) r.update(0, 2);
    expect(r.min).toBeCloseTo(0, 6);
    expect(r.max).toBeCloseTo(2, 6);
  });

  it('firstBatch EMA starts at the first batch extremes, then moves by 0.001 per step', () => {
    const r = new ActivationRange('ema', EMA_DECAY, 'firstBatch');
    r.update(-30, 12);
    expect([r.min, r.max]).toEqual([-30, 12]);
    r.update(-10, 2);
    expect(r.min).toBeCloseTo(EMA_DECAY * -30 + (1 - EMA_DECAY) * -10, 12);
    expect(r.max).toBeCloseTo(EMA_DECAY * 12 + (1 - EMA_DECAY) * 2, 12);
  });

  it('all-values (model inputs) starts at [0, 0] and keeps running extremes', () => {
    const r = new ActivationRange('all-values');
    expect(r.params()).toBeUndefined();
    r.update(0.2, 1);
    r.update(-0.5, 0.7);
    expect([r.min, r.max]).toEqual([-0.5, 1]);
    expect(r.params()).toEqual(paramsFromNudged(nudgeRange(-0.5, 1), 8));
  });
});

function tinyGraph(): Graph {
  const g = new GraphBuilder('m', { seed: 2 });
  const x = g.input('x', [-1, 4, 4, 1]);
  const c = g.layer('Conv2D', 'conv', x, {
    filters: 2,
    kernelSize: [3, 3],
    padding: 'same',
    activation: 'relu',
  });
  const p = g.layer('MaxPool2D', 'pool', c);
  const f = g.layer('Flatten', 'flat', p);
  const d = g.layer('Dense', 'logits', f, { units: 3 });
  return g.build(g.layer('Softmax', 'probs', d));
}

describe('QAT activation transform placement', () => {
  it('quantizes the input, layer outputs after relu/linear, not max-pool/flatten/softmax', () => {
    const graph = tinyGraph();
    const { transform, state } = qatActivationTransform(graph);
    const applies = graph.nodes.map((n) => [
      n.output.name,
      transform.appliesTo({ graph, value: n.output, producer: n }),
    ]);
    expect(Object.fromEntries(applies)).toEqual({
      x: true,
      conv: true,
      pool: false,
      flat: false,
      logits: true,
      probs: false,
    });
    expect(state.ranges.get(graph.value('x'))!.tracking).toBe('all-values');
    expect(state.ranges.get(graph.value('conv'))!.tracking).toBe('ema');
  });

  it('updates the EMA in training, not in evaluation, and fake-quantizes with the nudged range', () => {
    const graph = tinyGraph();
    const { transform, state } = qatActivationTransform(graph);
    const v = graph.value('conv');
    const inst = transform.create({ graph, value: v, producer: v.producer });
    const x = tf.tensor1d([0, 1, 3, 10]);
    const y = inst.forward(x, TRAIN).dataSync();
    const r = state.ranges.get(v)!;
    expect(r.max).toBeCloseTo(0.999 * 6 + 0.001 * 10, 9);
    expect(r.min).toBeCloseTo(0.999 * -6, 9);
    const n = nudgeRange(r.min, r.max);
    expect(y[3]).toBeCloseTo(n.nudgedMax, 5); // 10 clips to the range
    expect(y[1]).toBeCloseTo(Math.round(1 / n.scale) * n.scale, 5);
    const before = r.max;
    inst.forward(x, EVAL);
    expect(r.max).toBe(before);
    inst.strip(v);
    // one writer: strip leaves the annotations to annotateQatActivations
    expect(v.annotations.quant).toBeUndefined();
    for (const [value, range] of state.ranges) if (value !== v) range.update(0, 1);
    expect(annotateQatActivations(state)).toEqual([]);
    expect(v.annotations.quant).toMatchObject({ dtype: 'int8', bits: 8, narrowRange: false });
    expect(v.annotations.quant!.zeroPoint[0]).toBe(n.zeroPoint - 128);
    expect(v.annotations.range!.source).toBe('qat:ema');
    // max-pool and flatten share conv's parameters; softmax has the fixed (1/256, −128)
    expect(graph.value('pool').annotations.quant).toEqual(v.annotations.quant);
    expect(graph.value('flat').annotations.quant).toEqual(v.annotations.quant);
    expect(graph.value('probs').annotations.quant).toMatchObject({
      zeroPoint: Int32Array.of(-128),
    });
  });
});

describe('QAT weight transform', () => {
  it('applies to the registry kernels (per channel for conv), fake-quantizes onto the int8 grid', () => {
    const graph = tinyGraph();
    const t = qatWeightTransform();
    const conv = graph.node('conv');
    const target = {
      graph,
      node: conv,
      slot: 'kernel',
      weight: conv.weights['kernel']!,
      capabilities: defaultOpRegistry.slot(conv, 'kernel')!.capabilities,
    };
    expect(t.appliesTo(target)).toBe(true);
    expect(
      t.appliesTo({
        ...target,
        slot: 'bias',
        capabilities: defaultOpRegistry.slot(conv, 'bias')!.capabilities,
      }),
    ).toBe(false);
    const logits = graph.node('logits');
    expect(
      t.appliesTo({
        graph,
        node: logits,
        slot: 'kernel',
        weight: logits.weights['kernel']!,
        capabilities: defaultOpRegistry.slot(logits, 'kernel')!.capabilities,
      }),
    ).toBe(true);
    const raw = tf.variable(
      tf.tensor(conv.weights['kernel']!.tensor.data as Float32Array, [3, 3, 1, 2]),
    );
    const inst = t.create(target, raw);
    const eff = inst.forward(raw, TRAIN);
    const w = conv.weights['kernel']!;
    w.tensor = coreTensor('float32', [3, 3, 1, 2], eff.dataSync() as Float32Array);
    inst.strip(w);
    // one writer: quantizeGraphWeights annotates the kernel with its bias, strip does not
    expect(w.annotations.quant).toBeUndefined();
    // the effective kernel is already on the per-channel int8 grid: quantizing it changes nothing
    const qw = quantizeSymmetric(w.tensor, { channelAxes: [3] });
    expect(Array.from(qw.values)).toEqual(Array.from(w.tensor.data as Float32Array));
    w.annotations.quant = weightQuantAnnotation(qw);
    expect(w.annotations.quant).toMatchObject({
      dtype: 'int8',
      narrowRange: true,
      channelAxes: [3],
    });
    expect(checkWeightQuant(w.tensor, w.annotations.quant!)).toEqual({ ok: true });
  });
});

describe('QAT of a Concat group', () => {
  function concatGraph(): Graph {
    const g = new GraphBuilder('cat', { seed: 2 });
    const x = g.input('x', [-1, 4]);
    const a = g.layer('Dense', 'a', x, { units: 2 });
    const b = g.layer('Dense', 'b', x, { units: 2 });
    return g.build(g.layer('Concat', 'cat', [a, b]));
  }

  it("leaves the Concat's inputs unclipped in training, so its range grows past the initial [−6, 6]", () => {
    const graph = concatGraph();
    const { transform, state } = qatActivationTransform(graph, undefined, 'firstBatch');
    const input = graph.value('a');
    const cat = graph.value('cat');
    const member = transform.create({ graph, value: input, producer: input.producer });
    const anchor = transform.create({ graph, value: cat, producer: cat.producer });
    const wide = tf.tensor1d([-40, 0, 25, 50]);
    // The input passes unchanged in training (TFMOT quantizes only the Concat's output)...
    expect(Array.from(member.forward(wide, TRAIN).dataSync())).toEqual([-40, 0, 25, 50]);
    // ...and the Concat's range sees the real extremes.
    anchor.forward(wide, TRAIN);
    const r = state.ranges.get(cat)!;
    expect([r.min, r.max]).toEqual([-40, 50]);
    // In inference the input is on the shared grid (what the int8 model computes).
    const step = (50 - -40) / 255;
    const y = member.forward(tf.tensor1d([1.01]), EVAL).dataSync()[0]!;
    expect(Math.abs(y - 1.01)).toBeLessThanOrEqual(step / 2 + 1e-6);
    expect(Math.abs(y - 1.01)).toBeGreaterThan(0);
  });
});

describe('QAT weight transform on the codebook grid (CQAT, PCQAT)', () => {
  it('trains a per-tensor clustered conv kernel on one shared scale, so each centroid is one code', () => {
    const graph = tinyGraph();
    const conv = graph.node('conv');
    const w = conv.weights['kernel']!;
    // two channels, centroids ±0.3 and 0.1: per-channel scales would put 0.1 on different codes
    const centroids = Float32Array.of(-0.3, 0.1, 0.3);
    const indices = Uint8Array.from({ length: 18 }, (_, i) => (i % 2 === 0 ? i % 3 : 1));
    // channel 1 (odd elements) only holds 0.1: its own max would be 0.1
    const data = Float32Array.from(indices, (j) => centroids[j]!);
    w.tensor = coreTensor('float32', [3, 3, 1, 2], data);
    w.annotations.codebook = { centroids, indices, clusters: 3 };
    const target = {
      graph,
      node: conv,
      slot: 'kernel',
      weight: w,
      capabilities: defaultOpRegistry.slot(conv, 'kernel')!.capabilities,
    };
    const raw = tf.variable(tf.tensor(data, [3, 3, 1, 2]));
    const shared = qatWeightTransform(defaultOpRegistry, 8, { codebookGrid: true })
      .create(target, raw)
      .forward(raw, TRAIN)
      .dataSync() as Float32Array;
    // one scale 0.3/127: 0.1 → round(42.33) = 42 everywhere
    const s = 0.3 / 127;
    for (let i = 0; i < 18; i++) expect(shared[i]).toBeCloseTo(Math.round(data[i]! / s) * s, 6);
    expect(new Set(Array.from(shared, (v) => Math.round(v / s))).size).toBe(3);
    // without the codebook grid, channel 1 has its own scale 0.1/127 (0.1 is code 127 there)
    const perChannel = qatWeightTransform(defaultOpRegistry, 8)
      .create(target, raw)
      .forward(raw, TRAIN)
      .dataSync() as Float32Array;
    expect(perChannel[1]).toBeCloseTo(0.1, 6);
    expect(shared[1]).toBeCloseTo(42 * s, 6);
  });
});
