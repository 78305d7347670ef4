import {
  checkCodebook,
  countNonZeros,
  countUnique,
  createRng,
  defaultOpRegistry,
  floatTensor,
  GraphBuilder,
  silentLogger,
  type Graph,
} from '@collabopt/core';
import { createEngine } from '@collabopt/engine';
import { createClusterTransform } from './cluster-transform';
import { tf, type WeightTarget, type WeightTransformInstance } from './engine-api';

beforeAll(async () => {
  // wasm: the backend CI uses when tfjs-node is not installed (it lacks some kernels cpu has).
  await createEngine({ backend: 'wasm', logger: silentLogger });
});

function denseGraph(inputs: number, units: number, seed = 0): Graph {
  const b = new GraphBuilder('m', { seed });
  const x = b.input('x', [-1, inputs]);
  return b.build(b.layer('Dense', 'fc', x, { units, useBias: false }));
}

function targetOf(graph: Graph, node: string, slot: string): WeightTarget {
  const n = graph.findNode(node)!;
  const capabilities = defaultOpRegistry.slot(n, slot)!.capabilities;
  return { graph, node: n, slot, weight: n.weight(slot), capabilities };
}

const info = { step: 1, epoch: 0, training: true };

/**
 * Gradients reaching the raw variable and the transform's variables for an upstream gradient `dy`
 * on the effective weight (only the transform's own op is on the tape).
 */
function transformGrads(
  raw: tf.Variable,
  inst: WeightTransformInstance,
  dy: tf.Tensor,
  stepInfo = info,
): tf.Tensor[] {
  const vars = [raw, ...(inst.trainableVariables?.() ?? [])];
  const { value, grads } = tf.engine().gradients(() => inst.forward(raw, stepInfo), vars, dy);
  value.dispose();
  return grads;
}

/** Fine-tune like the trainer: Adam on ½‖W_eff − goal‖² with gradients through the transform. */
function train(
  raw: tf.Variable,
  inst: WeightTransformInstance,
  goal: tf.Tensor,
  steps: number,
  lr = 0.02,
  firstStep = 1,
): number[] {
  const optimizer = tf.train.adam(lr);
  const losses: number[] = [];
  const vars = [raw, ...(inst.trainableVariables?.() ?? [])];
  for (let s = 0; s < steps; s++) {
    const stepInfo = { ...info, step: firstStep + s };
    const diff = tf.tidy(() => tf.sub(inst.forward(raw, stepInfo), goal));
    losses.push(tf.tidy(() => tf.sum(tf.square(diff)).dataSync()[0]! / 2));
    const grads = transformGrads(raw, inst, diff, stepInfo);
    optimizer.applyGradients(vars.map((v, i) => ({ name: v.name, tensor: grads[i]! })));
    tf.dispose([diff, ...grads]);
  }
  optimizer.dispose();
  return losses;
}

/** What the trainer does after training: final effective values into the IR, then strip. */
function finish(raw: tf.Variable, inst: WeightTransformInstance, target: WeightTarget): void {
  const eff = inst.forward(raw, { ...info, training: false });
  target.weight.tensor = floatTensor(
    target.weight.tensor.shape,
    Float32Array.from(eff.dataSync() as Float32Array),
  );
  eff.dispose();
  inst.strip(target.weight);
}

describe('cluster weight transform', () => {
  it('forward uses centroids; gradients go straight through to w and summed per cluster to the centroids', () => {
    const graph = denseGraph(6, 3);
    const target = targetOf(graph, 'fc', 'kernel');
    const transform = createClusterTransform({ clusters: 4, init: 'linear', kmeansIterations: 10 });
    expect(transform.stage).toBe('codebook');
    expect(transform.appliesTo(target)).toBe(true);
    const raw = tf.variable(tf.tensor(target.weight.tensor.data as Float32Array, [6, 3]));
    const inst = transform.create(target, raw);
    const [centroids] = inst.trainableVariables!();
    const g = tf.tensor2d(
      Float32Array.from({ length: 18 }, (_, i) => (i % 5) - 2 + i / 10),
      [6, 3],
    );
    const [toRaw, toCentroids] = transformGrads(raw, inst, g);
    const eff = tf.tidy(() => inst.forward(raw, info)).dataSync();
    const c = centroids!.dataSync();
    const w = raw.dataSync();
    const gd = g.dataSync();
    const expectedCentroidGrad = new Float32Array(4);
    let offCentroid = 0;
    for (let i = 0; i < 18; i++) {
      let best = 0;
      for (let j = 1; j < 4; j++)
        if (Math.abs(w[i]! - c[j]!) < Math.abs(w[i]! - c[best]!)) best = j;
      if (eff[i] !== c[best]) offCentroid++;
      expectedCentroidGrad[best]! += gd[i]!;
    }
    expect(offCentroid).toBe(0);
    expect(Array.from(toRaw!.dataSync())).toEqual(Array.from(gd));
    const cg = toCentroids!.dataSync();
    for (let j = 0; j < 4; j++) expect(cg[j]).toBeCloseTo(expectedCentroidGrad[j]!, 5);
    tf.dispose([g, raw, toRaw!, toCentroids!]);
    inst.dispose();
  });

  it('averages centroid gradients with gradientAggregation=avg', () => {
    const graph = denseGraph(6, 3);
    const target = targetOf(graph, 'fc', 'kernel');
    const raw = tf.variable(tf.tensor(target.weight.tensor.data as Float32Array, [6, 3]));
    const sum = createClusterTransform({ clusters: 3, init: 'linear' }).create(target, raw);
    const avg = createClusterTransform({
      clusters: 3,
      init: 'linear',
      gradientAggregation: 'avg',
    }).create(target, raw);
    const ones = tf.onesLike(raw);
    const [, cs] = transformGrads(raw, sum, ones);
    const [, ca] = transformGrads(raw, avg, ones);
    // With dy = 1 the summed gradient is the cluster size and the averaged one is 1 (0 when empty).
    expect(Array.from(ca!.dataSync())).toEqual(Array.from(cs!.dataSync(), (n) => (n > 0 ? 1 : 0)));
    expect(Array.from(cs!.dataSync()).reduce((a, b) => a + b, 0)).toBe(18);
    tf.dispose([raw, ones, cs!, ca!]);
    sum.dispose();
    avg.dispose();
  });

  it('fine-tuning lowers the loss, then strip leaves ≤ k values per tensor and a valid codebook', () => {
    const graph = denseGraph(16, 8, 1);
    const target = targetOf(graph, 'fc', 'kernel');
    const raw = tf.variable(tf.tensor(target.weight.tensor.data as Float32Array, [16, 8]));
    const goal = tf.randomNormal([16, 8], 0, 0.3, 'float32', 7);
    const inst = createClusterTransform({ clusters: 8, init: 'kmeans++', seed: 4 }).create(
      target,
      raw,
    );
    const losses = train(raw, inst, goal, 60);
    expect(losses[losses.length - 1]!).toBeLessThan(losses[0]! * 0.8);
    finish(raw, inst, target);
    const ann = target.weight.annotations.codebook!;
    expect(ann.clusters).toBe(8);
    expect(countUnique(target.weight.tensor.data)).toBeLessThanOrEqual(8);
    expect(checkCodebook(target.weight.tensor, ann)).toEqual({ ok: true });
    inst.dispose();
    tf.dispose([raw, goal]);
  });

  it('per channel with preserved sparsity: zeros stay, the zero centroid stays 0, ≤ k values per channel', () => {
    const b = new GraphBuilder('c', { seed: 3 });
    const x = b.input('x', [-1, 6, 6, 4]);
    const graph = b.build(
      b.layer('Conv2D', 'conv', x, { filters: 5, kernelSize: [3, 3], useBias: false }),
    );
    const target = targetOf(graph, 'conv', 'kernel');
    const data = target.weight.tensor.data as Float32Array;
    const rng = createRng(9);
    const mask = Uint8Array.from(data, () => (rng.next() < 0.5 ? 0 : 1));
    data.forEach((_, i) => (data[i] = mask[i] ? data[i]! : 0));
    target.weight.annotations.mask = { mask };
    const zerosBefore = data.length - countNonZeros(data);
    const raw = tf.variable(tf.tensor(Float32Array.from(data), [3, 3, 4, 5]));
    const inst = createClusterTransform({
      clusters: 4,
      perChannel: true,
      preserveSparsity: true,
      init: 'density',
      kmeansIterations: 5,
    }).create(target, raw);
    const goal = tf.randomNormal([3, 3, 4, 5], 0, 0.3, 'float32', 1);
    train(raw, inst, goal, 30);
    // Frozen zeros got no gradient: the raw variable is still zero there.
    const rawData = raw.dataSync();
    expect(mask.every((m, i) => m === 1 || rawData[i] === 0)).toBe(true);
    finish(raw, inst, target);
    const out = target.weight.tensor.data as Float32Array;
    expect(out.length - countNonZeros(out)).toBe(zerosBefore);
    expect(mask.every((m, i) => m === 1 || out[i] === 0)).toBe(true);
    const ann = target.weight.annotations.codebook!;
    expect(ann.channelAxes).toEqual([3]);
    expect(ann.zeroCentroid).toHaveLength(5);
    ann.zeroCentroid!.forEach((z, r) => expect(ann.centroids[r * 4 + z]).toBe(0));
    expect(checkCodebook(target.weight.tensor, ann)).toEqual({ ok: true });
    for (let ch = 0; ch < 5; ch++)
      expect(countUnique(out.filter((_, i) => i % 5 === ch))).toBeLessThanOrEqual(4);
    inst.dispose();
    tf.dispose([raw, goal]);
  });

  it('strip follows a later elementwise stage (fake-quant) and goes per channel when it must', () => {
    const graph = denseGraph(10, 4, 2);
    const target = targetOf(graph, 'fc', 'kernel');
    const raw = tf.variable(tf.tensor(target.weight.tensor.data as Float32Array, [10, 4]));
    const inst = createClusterTransform({ clusters: 3, init: 'linear' }).create(target, raw);
    const eff = inst.forward(raw, { ...info, training: false });
    // A per-output-channel grid: column c rounds to multiples of 0.01·(c+1).
    const values = Float32Array.from(eff.dataSync() as Float32Array, (v, i) =>
      Math.fround(Math.round(v / (0.01 * ((i % 4) + 1))) * 0.01 * ((i % 4) + 1)),
    );
    target.weight.tensor = floatTensor([10, 4], values);
    inst.strip(target.weight);
    const ann = target.weight.annotations.codebook!;
    expect(ann.channelAxes).toEqual([1]);
    expect(checkCodebook(target.weight.tensor, ann)).toEqual({ ok: true });
    tf.dispose([eff, raw]);
    inst.dispose();
  });

  it('leaves no tensors behind (create, training steps, inference, dispose)', () => {
    const graph = denseGraph(16, 8, 1);
    const target = targetOf(graph, 'fc', 'kernel');
    const raw = tf.variable(tf.tensor(target.weight.tensor.data as Float32Array, [16, 8]));
    const goal = tf.zeros([16, 8]);
    const start = tf.memory().numTensors;
    for (const options of [
      { clusters: 4 },
      { clusters: 4, preserveSparsity: true, perChannel: true },
      { clusters: 4, gradientAggregation: 'avg' as const },
    ]) {
      const inst = createClusterTransform(options).create(target, raw);
      train(raw, inst, goal, 3);
      tf.tidy(() => inst.forward(raw, { ...info, training: false })).dispose();
      inst.dispose();
      expect(tf.memory().numTensors).toBe(start);
    }
    tf.dispose([raw, goal]);
  });

  it('skips weights with too few elements (TFMOT guard) and non-clusterable ones', () => {
    const graph = denseGraph(2, 3);
    const target = targetOf(graph, 'fc', 'kernel');
    expect(createClusterTransform({ clusters: 8 }).appliesTo(target)).toBe(false); // 6 weights ≤ 8 clusters
    expect(createClusterTransform({ clusters: 4 }).appliesTo(target)).toBe(true);
    expect(createClusterTransform({ clusters: 4, perChannel: true }).appliesTo(target)).toBe(true); // Dense: one codebook
    const b = new GraphBuilder('pw', { seed: 1 });
    const conv = b.build(
      b.layer('Conv2D', 'pw', b.input('x', [-1, 4, 4, 2]), { filters: 4, kernelSize: [1, 1] }),
    );
    expect(
      createClusterTransform({ clusters: 4, perChannel: true }).appliesTo(
        targetOf(conv, 'pw', 'kernel'),
      ),
    ).toBe(false); // 2 per channel
    expect(
      createClusterTransform({ clusters: 4 }).appliesTo({
        ...target,
        capabilities: { ...target.capabilities, clusterable: false },
      }),
    ).toBe(false);
  });
});

describe('cluster transform from an existing codebook (CQAT/PCQAT reuse)', () => {
  it('keeps the annotated centroids, pins the zero centroid and the zeros', () => {
    const graph = denseGraph(12, 4, 5);
    const target = targetOf(graph, 'fc', 'kernel');
    const data = target.weight.tensor.data as Float32Array;
    // An earlier sparsity-preserving clustering: values in {−0.2, 0, 0.1, 0.3}, zero centroid 1.
    const centroids = Float32Array.from([-0.2, 0, 0.1, 0.3]);
    const indices = Uint8Array.from(data, (_, i) =>
      i % 3 === 0 ? 1 : i % 4 === 1 ? 0 : i % 2 ? 2 : 3,
    );
    indices.forEach((j, i) => (data[i] = centroids[j]!));
    target.weight.annotations.codebook = { centroids, indices, clusters: 4, zeroCentroid: [1] };
    const transform = createClusterTransform({ clusters: 4, initialFrom: 'annotation' });
    expect(transform.appliesTo(target)).toBe(true);
    expect(transform.appliesTo(targetOf(denseGraph(12, 4), 'fc', 'kernel'))).toBe(false);
    const raw = tf.variable(tf.tensor(Float32Array.from(data), [12, 4]));
    const inst = transform.create(target, raw);
    expect(Array.from(inst.trainableVariables!()[0]!.dataSync())).toEqual(Array.from(centroids));
    const goal = tf.randomNormal([12, 4], 0, 0.3, 'float32', 2);
    train(raw, inst, goal, 20);
    finish(raw, inst, target);
    const out = target.weight.tensor.data as Float32Array;
    const zerosBefore = indices.filter((j) => j === 1).length;
    expect(out.length - countNonZeros(out)).toBe(zerosBefore);
    const ann = target.weight.annotations.codebook!;
    expect(ann.centroids[1]).toBe(0);
    expect(ann.centroids[3]).not.toBe(0.3); // trained
    expect(countUnique(out)).toBeLessThanOrEqual(4);
    expect(checkCodebook(target.weight.tensor, ann)).toEqual({ ok: true });
    inst.dispose();
    tf.dispose([raw, goal]);
  });
});

/** Index of each effective value among the instance's current centroids (pinned zeros as 0). */
function indicesOf(effective: tf.Tensor, inst: WeightTransformInstance, zero?: number): number[] {
  const centroids = Array.from(inst.trainableVariables!()[0]!.dataSync());
  if (zero !== undefined) centroids[zero] = 0;
  return Array.from(effective.dataSync(), (v) => centroids.indexOf(v));
}

describe('cluster transform recovery phase (reassignUntilStep)', () => {
  /** A 2×2 kernel on the codebook {−1, 1}: elements 0, 1 on −1, elements 2, 3 on 1. */
  function twoByTwo(reassignUntilStep: number) {
    const graph = denseGraph(2, 2);
    const target = targetOf(graph, 'fc', 'kernel');
    const data = target.weight.tensor.data as Float32Array;
    data.set([-1, -1, 1, 1]);
    target.weight.annotations.codebook = {
      centroids: Float32Array.from([-1, 1]),
      indices: Uint8Array.from([0, 0, 1, 1]),
      clusters: 2,
    };
    const transform = createClusterTransform({
      clusters: 2,
      initialFrom: 'annotation',
      reassignUntilStep,
    });
    const raw = tf.variable(tf.tensor(Float32Array.from(data), [2, 2]));
    return { target, raw, inst: transform.create(target, raw) };
  }
  const step = (n: number, training = true) => ({ step: n, epoch: 0, training });

  it('re-assigns up to the switch step, then keeps the indices while the centroids still get gradients', () => {
    const { raw, inst } = twoByTwo(1);
    const first = inst.forward(raw, step(1));
    expect(Array.from(first.dataSync())).toEqual([-1, -1, 1, 1]);
    // Elements 0 and 3 cross over; nearest-centroid assignment would swap their clusters.
    raw.assign(tf.tensor([0.9, -1, 1, -0.9], [2, 2]));
    const frozen = inst.forward(raw, step(2));
    expect(Array.from(frozen.dataSync())).toEqual([-1, -1, 1, 1]);
    const inference = inst.forward(raw, step(0, false));
    expect(Array.from(inference.dataSync())).toEqual([-1, -1, 1, 1]);
    // Centroid gradients follow the frozen indices: −1 gets dy0 + dy1 = 3, 1 gets dy2 + dy3 = 7.
    const dy = tf.tensor([1, 2, 3, 4], [2, 2]);
    const { value, grads } = tf
      .engine()
      .gradients(() => inst.forward(raw, step(3)), [raw, inst.trainableVariables!()[0]!], dy);
    expect(Array.from(grads[1]!.dataSync())).toEqual([3, 7]);
    expect(Array.from(grads[0]!.dataSync())).toEqual([1, 2, 3, 4]);
    tf.dispose([first, frozen, inference, dy, value, ...grads, raw]);
    inst.dispose();
  });

  it('still re-assigns on the switch step itself (steps count from 1)', () => {
    const { raw, inst } = twoByTwo(2);
    tf.dispose(inst.forward(raw, step(1)));
    raw.assign(tf.tensor([0.9, -1, 1, -0.9], [2, 2]));
    const second = inst.forward(raw, step(2));
    expect(Array.from(second.dataSync())).toEqual([1, -1, 1, -1]);
    tf.dispose([second, raw]);
    inst.dispose();
  });

  it('strip records the frozen indices', () => {
    const { target, raw, inst } = twoByTwo(1);
    tf.dispose(inst.forward(raw, step(1)));
    raw.assign(tf.tensor([0.9, -1, 1, -0.9], [2, 2]));
    tf.dispose(inst.forward(raw, step(2)));
    finish(raw, inst, target);
    expect(Array.from(target.weight.annotations.codebook!.indices)).toEqual([0, 0, 1, 1]);
    expect(Array.from(target.weight.tensor.data as Float32Array)).toEqual([-1, -1, 1, 1]);
    tf.dispose(raw);
    inst.dispose();
  });

  /**
   * PCQAT's case: a sparse codebook (zero centroid 1), rate-aware assignment for 5 steps, then 15
   * steps of recovery. Returns the indices at the switch and at the end, the zero count before and
   * after, and the final values.
   */
  function pcqatRecovery() {
    const graph = denseGraph(12, 4, 5);
    const target = targetOf(graph, 'fc', 'kernel');
    const data = target.weight.tensor.data as Float32Array;
    const centroids = Float32Array.from([-0.2, 0, 0.1, 0.3]);
    const indices = Uint8Array.from(data, (_, i) =>
      i % 3 === 0 ? 1 : i % 4 === 1 ? 0 : i % 2 ? 2 : 3,
    );
    indices.forEach((j, i) => (data[i] = centroids[j]!));
    const zerosBefore = data.length - countNonZeros(data);
    target.weight.annotations.codebook = { centroids, indices, clusters: 4, zeroCentroid: [1] };
    const transform = createClusterTransform({
      clusters: 4,
      initialFrom: 'annotation',
      entropyWeight: 0.5,
      reassignUntilStep: 5,
    });
    const raw = tf.variable(tf.tensor(Float32Array.from(data), [12, 4]));
    const inst = transform.create(target, raw);
    const goal = tf.randomNormal([12, 4], 0, 0.3, 'float32', 2);
    train(raw, inst, goal, 5);
    const atSwitch = tf.tidy(() => indicesOf(inst.forward(raw, step(6)), inst, 1));
    const centroidsAtSwitch = Array.from(inst.trainableVariables!()[0]!.dataSync());
    train(raw, inst, goal, 15, 0.02, 6);
    const atEnd = tf.tidy(() => indicesOf(inst.forward(raw, step(0, false)), inst, 1));
    const centroidsAtEnd = Array.from(inst.trainableVariables!()[0]!.dataSync());
    finish(raw, inst, target);
    const out = Float32Array.from(target.weight.tensor.data as Float32Array);
    const ann = target.weight.annotations.codebook!;
    inst.dispose();
    tf.dispose([raw, goal]);
    return { atSwitch, atEnd, centroidsAtSwitch, centroidsAtEnd, zerosBefore, out, ann, target };
  }

  it('PCQAT: indices frozen after the switch, the mask contract holds, the centroids keep training', () => {
    const r = pcqatRecovery();
    expect(r.atSwitch).not.toContain(-1);
    expect(r.atEnd).toEqual(r.atSwitch);
    expect(Array.from(r.ann.indices)).toEqual(r.atSwitch);
    // Zeros stay zeros on the pinned zero centroid; free weights never take it.
    expect(r.out.length - countNonZeros(r.out)).toBe(r.zerosBefore);
    r.atEnd.forEach((j, i) => expect(j === 1).toBe(r.out[i] === 0));
    expect(r.ann.centroids[1]).toBe(0);
    expect(r.centroidsAtEnd).not.toEqual(r.centroidsAtSwitch);
    expect(checkCodebook(r.target.weight.tensor, r.ann)).toEqual({ ok: true });
  });

  it('same inputs, same result', () => {
    const a = pcqatRecovery();
    const b = pcqatRecovery();
    expect(b.atEnd).toEqual(a.atEnd);
    expect(Array.from(b.out)).toEqual(Array.from(a.out));
  });
});

describe('cluster transform with a target index entropy (entropyReduction)', () => {
  /** A 16×8 kernel on a 4-centroid annotation with uneven shares, and its row entropy. */
  function annotated(options: { entropyReduction: number; entropyRampSteps?: number }) {
    const graph = denseGraph(16, 8, 3);
    const target = targetOf(graph, 'fc', 'kernel');
    const data = target.weight.tensor.data as Float32Array;
    const centroids = Float32Array.from([-0.3, -0.1, 0.1, 0.3]);
    const indices = Uint8Array.from(data, (_, i) => [0, 1, 1, 2, 2, 2, 3, 3][i % 8]!);
    indices.forEach((j, i) => (data[i] = centroids[j]!));
    target.weight.annotations.codebook = { centroids, indices, clusters: 4 };
    const transform = createClusterTransform({
      clusters: 4,
      initialFrom: 'annotation',
      ...options,
    });
    const raw = tf.variable(tf.tensor(Float32Array.from(data), [16, 8]));
    // Shares 1/8, 2/8, 3/8, 2/8: 1.90564 bits per index.
    const start = -[1, 2, 3, 2].reduce((h, c) => h + (c / 8) * Math.log2(c / 8), 0);
    return { target, raw, inst: transform.create(target, raw), start };
  }
  const entropyOf = (values: number[]) => {
    const counts = new Map<number, number>();
    for (const v of values) counts.set(v, (counts.get(v) ?? 0) + 1);
    let h = 0;
    for (const c of counts.values()) h -= (c / values.length) * Math.log2(c / values.length);
    return h;
  };

  it('holds the index entropy at (1 − reduction × ramp) × the start, step by step', () => {
    const { target, raw, inst, start } = annotated({ entropyReduction: 0.3, entropyRampSteps: 4 });
    expect(start).toBeCloseTo(1.90564, 5);
    const goal = tf.randomNormal([16, 8], 0, 0.2, 'float32', 5);
    const optimizer = tf.train.adam(0.01);
    const vars = [raw, ...inst.trainableVariables!()];
    const seen: number[] = [];
    for (let t = 1; t <= 6; t++) {
      const stepInfo = { step: t, epoch: 0, training: true };
      const effective = inst.forward(raw, stepInfo);
      const used = indicesOf(effective, inst);
      expect(used).not.toContain(-1);
      seen.push(entropyOf(used));
      const diff = tf.sub(effective, goal);
      effective.dispose();
      const grads = transformGrads(raw, inst, diff, stepInfo);
      optimizer.applyGradients(vars.map((v, i) => ({ name: v.name, tensor: grads[i]! })));
      tf.dispose([diff, ...grads]);
    }
    seen.forEach((bits, i) =>
      expect(bits).toBeLessThanOrEqual(start * (1 - 0.3 * Math.min(1, (i + 1) / 4)) + 1e-9),
    );
    // The target is met by moving few weights, not by collapsing: ≥ 3 clusters stay in use.
    expect(seen[5]!).toBeGreaterThan(start * 0.7 - 0.25);
    finish(raw, inst, target);
    expect(checkCodebook(target.weight.tensor, target.weight.annotations.codebook!)).toEqual({
      ok: true,
    });
    expect(countUnique(target.weight.tensor.data as Float32Array)).toBeLessThanOrEqual(4);
    optimizer.dispose();
    tf.dispose([raw, goal]);
    inst.dispose();
  });

  it('leaves a per-channel codebook on nearest-centroid assignment', () => {
    /** Train a per-channel (2 rows along axis 1) annotated kernel for 6 steps; final values. */
    const trained = (entropyReduction: number): number[] => {
      const graph = denseGraph(16, 2, 3);
      const target = targetOf(graph, 'fc', 'kernel');
      const data = target.weight.tensor.data as Float32Array;
      const centroids = Float32Array.from([-0.3, -0.1, 0.1, 0.3, -0.6, -0.2, 0.2, 0.6]);
      const indices = Uint8Array.from(data, (_, i) => [0, 1, 1, 2, 2, 2, 3, 3][(i >> 1) % 8]!);
      indices.forEach((j, i) => (data[i] = centroids[(i % 2) * 4 + j]!));
      target.weight.annotations.codebook = { centroids, indices, clusters: 4, channelAxes: [1] };
      const transform = createClusterTransform({
        clusters: 4,
        initialFrom: 'annotation',
        entropyReduction,
        moveCost: 'gradient',
      });
      const raw = tf.variable(tf.tensor(Float32Array.from(data), [16, 2]));
      const inst = transform.create(target, raw);
      const goal = tf.randomNormal([16, 2], 0, 0.3, 'float32', 9);
      train(raw, inst, goal, 6);
      const out = tf.tidy(() =>
        Array.from(inst.forward(raw, { ...info, training: false }).dataSync()),
      );
      tf.dispose([raw, goal]);
      inst.dispose();
      return out;
    };
    expect(trained(0.5)).toEqual(trained(0));
  });

  it('rejects entropyReduction with entropyWeight, and one outside [0, 1), before any weight', () => {
    expect(() =>
      createClusterTransform({ clusters: 4, entropyReduction: 0.1, entropyWeight: 0.2 }),
    ).toThrow(/entropyWeight=0.2 and entropyReduction=0.1 .* give one/);
    expect(() => createClusterTransform({ clusters: 4, entropyReduction: 1 })).toThrow(
      /entropyReduction must be in \[0, 1\), got 1/,
    );
  });
});
