import {
  GraphBuilder,
  MemoryLogger,
  PassManager,
  PassRegistry,
  createRng,
  type Graph,
} from '@collabopt/core';
import { registerClusteringPasses } from '@collabopt/clustering';
import { createDataset, createEngine, type Dataset, type Engine } from '@collabopt/engine';
import { registerPruningPasses } from '@collabopt/pruning';
import { registerQuantizationPasses } from '@collabopt/quantization';
import { CLUSTER_QAT_DEFAULTS, cqat, pcqat, pqat, reassignUntilStep } from './collaborative-qat';
import { registerPreservePasses } from './register';

/** A small conv net and a separable toy task (class = quadrant with the brightest pixel). */
function model(): Graph {
  const b = new GraphBuilder('toy', { seed: 11 });
  const x = b.input('input', [-1, 8, 8, 1]);
  let h = b.layer('Conv2D', 'conv', x, { filters: 8, kernelSize: [3, 3], activation: 'relu' });
  h = b.layer('MaxPool2D', 'pool', h);
  h = b.layer('Flatten', 'flatten', h);
  h = b.layer('Dense', 'hidden', h, { units: 16, activation: 'relu' });
  return b.build(b.layer('Dense', 'logits', h, { units: 4 }));
}

function data(n: number, seed: number): Dataset {
  const rng = createRng(seed);
  const x = new Float32Array(n * 64);
  const y = new Int32Array(n);
  for (let i = 0; i < n; i++) {
    const c = rng.int(4);
    y[i] = c;
    for (let p = 0; p < 64; p++) x[i * 64 + p] = rng.next() * 0.3;
    const r = (c >> 1) * 4 + 1 + rng.int(2);
    const col = (c & 1) * 4 + 1 + rng.int(2);
    x[i * 64 + r * 8 + col] = 1;
  }
  return createDataset(x, y, [8, 8, 1], 'quadrants');
}

function kernelFacts(g: Graph, node: string): { zeros: number; unique: number; size: number } {
  const k = g.node(node).weight('kernel').tensor.data as Float32Array;
  return { zeros: k.filter((v) => v === 0).length, unique: new Set(k).size, size: k.length };
}

/** Entropy of a kernel's value histogram, bits per weight (what an entropy coder pays at best). */
function valueEntropy(g: Graph, node: string): number {
  const k = g.node(node).weight('kernel').tensor.data as Float32Array;
  const counts = new Map<number, number>();
  for (const v of k) counts.set(v, (counts.get(v) ?? 0) + 1);
  let h = 0;
  for (const n of counts.values()) h -= (n / k.length) * Math.log2(n / k.length);
  return h;
}

describe('collaborative QAT (pqat, cqat, pcqat)', () => {
  let engine: Engine;
  const passes = new PassRegistry();
  registerPruningPasses(passes);
  registerClusteringPasses(passes);
  registerQuantizationPasses(passes);
  registerPreservePasses(passes);
  const train = data(256, 1);

  beforeAll(async () => {
    engine = await createEngine({ backend: 'wasm', logger: new MemoryLogger() });
  });

  async function run(
    g: Graph,
    pipeline: string,
  ): Promise<{ graph: Graph; warnings: readonly string[] }> {
    const pm = new PassManager({
      passRegistry: passes,
      logger: new MemoryLogger(),
      engine,
      data: { train },
      seed: 3,
    }).addPipeline(pipeline);
    return pm.run(g);
  }

  /** The toy model pruned to 50 % and sparsity-preserving clustered to 6 clusters, one-shot. */
  async function prunedClustered(): Promise<Graph> {
    const pipeline =
      'prune(sparsity=0.5, oneShot=true) | sparsityPreservingCluster(clusters=6, oneShot=true)';
    return (await run(model(), pipeline)).graph;
  }

  it('pcqat keeps the pruned zeros and at most k int8 values per kernel', async () => {
    const pruned = await prunedClustered();
    const before = kernelFacts(pruned, 'hidden');
    expect(before.zeros).toBeGreaterThanOrEqual(before.size / 2);
    const r = await run(pruned, 'pcqat(epochs=1, batchSize=32)');
    expect(r.warnings).toEqual([]);
    const after = kernelFacts(r.graph, 'hidden');
    expect(after.zeros).toBe(before.zeros);
    expect(after.unique).toBeLessThanOrEqual(6);
    const k = r.graph.node('hidden').weight('kernel');
    expect(k.annotations.mask).toBeDefined();
    expect(k.annotations.codebook).toBeDefined();
    expect(k.annotations.quant?.dtype).toBe('int8');
    expect(r.graph.metadata['quantization']).toEqual({ mode: 'int8' });
  });

  it('pcqat(entropyWeight, entropyReduction=0) keeps zeros and ≤ k codes, lowers the index entropy, is deterministic', async () => {
    const pruned = await prunedClustered();
    const before = kernelFacts(pruned, 'hidden');
    // The latent weights start exactly on the centroids (a stripped clustered model); the rate
    // term is relative to the codebook's centroid gaps, not to the weights' drift, so
    // re-assignment acts from the first step.
    const nearest = await run(
      pruned.clone(),
      'pcqat(epochs=1, batchSize=32, learningRate=0.01, entropyWeight=0, entropyReduction=0)',
    );
    const rateAware = await run(
      pruned.clone(),
      'pcqat(epochs=1, batchSize=32, learningRate=0.01, entropyWeight=0.5, entropyReduction=0)',
    );
    const again = await run(
      pruned.clone(),
      'pcqat(epochs=1, batchSize=32, learningRate=0.01, entropyWeight=0.5, entropyReduction=0)',
    );
    expect(rateAware.warnings).toEqual([]);
    for (const name of ['conv', 'hidden', 'logits']) {
      const k = rateAware.graph.node(name).weight('kernel');
      const q = k.annotations.quant!;
      const data = k.tensor.data as Float32Array;
      expect(new Set(data).size).toBeLessThanOrEqual(6);
      expect(k.annotations.codebook?.clusters).toBe(6);
      // every value is an int8 code of the tensor's single grid (per-tensor codebook)
      expect(new Set(q.scale).size).toBe(1);
      for (const v of data)
        expect(Math.abs(Math.round(v / q.scale[0]!) - v / q.scale[0]!)).toBeLessThan(1e-4);
      // deterministic: the same seed gives the same kernel
      expect(
        Array.from(again.graph.node(name).weight('kernel').tensor.data as Float32Array),
      ).toEqual(Array.from(data));
    }
    const after = kernelFacts(rateAware.graph, 'hidden');
    expect(after.zeros).toBe(before.zeros);
    const mask = rateAware.graph.node('hidden').weight('kernel').annotations.mask!.mask;
    const kernel = rateAware.graph.node('hidden').weight('kernel').tensor.data as Float32Array;
    mask.forEach((m, i) => m === 0 && expect(kernel[i]).toBe(0));
    expect(valueEntropy(rateAware.graph, 'hidden')).toBeLessThan(
      valueEntropy(nearest.graph, 'hidden'),
    );
  });

  it('pcqat(reassignFraction) keeps zeros and ≤ k codes and is deterministic', async () => {
    const pruned = await prunedClustered();
    const before = kernelFacts(pruned, 'hidden');
    // 256 samples / 32 = 8 steps: indices re-assigned on steps 1–4, frozen on 5–8.
    const pipeline =
      'pcqat(epochs=1, batchSize=32, learningRate=0.01, entropyWeight=0.5, entropyReduction=0, reassignFraction=0.5)';
    const a = await run(pruned.clone(), pipeline);
    const b = await run(pruned.clone(), pipeline);
    expect(a.warnings).toEqual([]);
    const after = kernelFacts(a.graph, 'hidden');
    expect(after.zeros).toBe(before.zeros);
    expect(after.unique).toBeLessThanOrEqual(6);
    const k = a.graph.node('hidden').weight('kernel');
    const kernel = k.tensor.data as Float32Array;
    k.annotations.mask!.mask.forEach((m, i) => m === 0 && expect(kernel[i]).toBe(0));
    expect(Array.from(b.graph.node('hidden').weight('kernel').tensor.data as Float32Array)).toEqual(
      Array.from(kernel),
    );
  });

  it("pcqat(entropyReduction) shrinks every kernel's index entropy by the asked share, keeps zeros and ≤ k codes", async () => {
    const pruned = await prunedClustered();
    const before = kernelFacts(pruned, 'hidden');
    const base = 'pcqat(epochs=1, batchSize=32, learningRate=0.01, entropyWeight=0';
    const nearest = await run(pruned.clone(), `${base}, entropyReduction=0)`);
    // 8 steps: the target ramps in over steps 1–4 (reassignFraction 0.5), then indices freeze.
    for (const moveCost of ['uniform', 'gradient']) {
      const pipeline = `${base}, entropyReduction=0.2, reassignFraction=0.5, moveCost=${moveCost})`;
      const a = await run(pruned.clone(), pipeline);
      const b = await run(pruned.clone(), pipeline);
      expect(a.warnings).toEqual([]);
      for (const name of ['conv', 'hidden', 'logits']) {
        // The int8 values stand for the cluster indices (one per-tensor grid), so their entropy
        // is the index entropy: ≤ 0.8 × the start (nearest-centroid training keeps it there).
        expect(valueEntropy(a.graph, name)).toBeLessThanOrEqual(
          0.8 * valueEntropy(pruned, name) + 1e-9,
        );
        expect(valueEntropy(nearest.graph, name)).toBeGreaterThan(0.8 * valueEntropy(pruned, name));
        const kernel = a.graph.node(name).weight('kernel').tensor.data as Float32Array;
        expect(new Set(kernel).size).toBeLessThanOrEqual(6);
        expect(Array.from(b.graph.node(name).weight('kernel').tensor.data as Float32Array)).toEqual(
          Array.from(kernel),
        );
      }
      expect(kernelFacts(a.graph, 'hidden').zeros).toBe(before.zeros);
    }
  });

  it('cqat rejects entropyReduction together with entropyWeight before training', async () => {
    const clustered = (await run(model(), 'cluster(clusters=6, oneShot=true)')).graph;
    await expect(
      run(clustered, 'cqat(epochs=1, entropyReduction=0.1, entropyWeight=0.2)'),
    ).rejects.toThrow(/give one/);
  });

  it('pcqat(weightBits=4) keeps the zeros and the clusters on a 4-bit grid', async () => {
    const pruned = await prunedClustered();
    const before = kernelFacts(pruned, 'hidden');
    const r = await run(pruned, 'pcqat(epochs=1, batchSize=32, weightBits=4)');
    expect(r.warnings).toEqual([]);
    for (const name of ['conv', 'hidden', 'logits']) {
      const k = r.graph.node(name).weight('kernel');
      const q = k.annotations.quant!;
      expect([name, q.bits, q.narrowRange]).toEqual([name, 4, true]);
      expect(new Set(q.scale).size).toBe(1); // per-tensor codebook: one scale, even for the conv
      const codes = new Set(Array.from(k.tensor.data as Float32Array, (v) => v / q.scale[0]!));
      for (const c of codes) expect(Math.abs(Math.round(c) - c)).toBeLessThan(1e-4);
      expect(codes.size).toBeLessThanOrEqual(6);
    }
    expect(kernelFacts(r.graph, 'hidden').zeros).toBe(before.zeros);
  });

  it('plain qat on a pruned model drops the sparsity and names pqat', async () => {
    const pruned = (await run(model(), 'prune(sparsity=0.5, oneShot=true)')).graph;
    // a large learning rate moves pruned weights well past half a quantization step (short, gentle QAT can keep zeros by accident)
    const r = await run(pruned, 'qat(epochs=2, batchSize=32, learningRate=0.01)');
    expect(r.warnings).toEqual([
      'qat drops the sparsity the input model carries; use pqat to keep it',
    ]);
    const pq = await run(pruned, 'pqat(epochs=2, batchSize=32, learningRate=0.01)');
    expect(pq.warnings).toEqual([]);
    expect(kernelFacts(pq.graph, 'hidden').zeros).toBe(kernelFacts(pruned, 'hidden').zeros);
  });

  it('cqat keeps the clusters of a clustered model', async () => {
    const clustered = (await run(model(), 'cluster(clusters=8, oneShot=true)')).graph;
    const r = await run(clustered, 'cqat(epochs=1, batchSize=32)');
    expect(r.warnings).toEqual([]);
    expect(kernelFacts(r.graph, 'hidden').unique).toBeLessThanOrEqual(8);
    expect(r.graph.node('hidden').weight('kernel').annotations.codebook?.clusters).toBe(8);
  });
});

describe('collaborative QAT declarations', () => {
  it('are one definePass each: typed partial options, declared contracts, registry entries', () => {
    const p = pcqat.create({ epochs: 2 });
    expect(p.options).toEqual({
      epochs: 2,
      batchSize: 128,
      learningRate: 1e-4,
      optimizer: 'adam',
      weightBits: 8,
      rangeInit: 'firstBatch',
      loss: 'auto',
      temperature: 1,
      entropyWeight: 0,
      entropyReduction: CLUSTER_QAT_DEFAULTS.entropyReduction,
      moveCost: 'gradient',
      reassignFraction: CLUSTER_QAT_DEFAULTS.reassignFraction,
    });
    expect(cqat.create({}).options).toMatchObject(CLUSTER_QAT_DEFAULTS);
    expect(pqat.create({}).options).not.toHaveProperty('entropyReduction');
    // Plain QAT keeps TFMOT's activation-range start.
    expect(pqat.create({}).options).toMatchObject({ rangeInit: 'tfmot' });
    // cqat's declared options are the union of the QAT and cluster-QAT sets; the cast reaches the
    // cluster-QAT option the type does not name.
    expect(() => cqat.create({ entropyWeight: -1 } as never)).toThrow(/entropyWeight/);
    expect(() => pcqat.create({ reassignFraction: 1.5 } as never)).toThrow(/reassignFraction/);
    expect(p.usesTeacher).toBe(true);
    expect([pqat.drops, cqat.drops, pcqat.drops]).toEqual([['codebook'], ['mask'], []]);
    expect(pcqat.preserves).toEqual(['quant', 'range', 'mask', 'codebook']);
    const passes = new PassRegistry();
    registerPreservePasses(passes);
    expect(passes.get('pqat')).toBe(pqat);
    expect(passes.findPreserving('qat', ['mask'])).toBe('pqat');
    expect(passes.findPreserving('qat', ['mask', 'codebook'])).toBe('pcqat');
  });
});

describe('reassignUntilStep', () => {
  it("is the fraction of the run's steps, rounded down; undefined (every step) at 1", () => {
    // 1000 samples / 128 = 8 batches per epoch, 2 epochs = 16 steps.
    const run = { samples: 1000, batchSize: 128, epochs: 2 };
    expect(reassignUntilStep(0.5, run)).toBe(8);
    expect(reassignUntilStep(0.3, run)).toBe(4); // 4.8
    expect(reassignUntilStep(0, run)).toBe(0);
    expect(reassignUntilStep(1, run)).toBeUndefined();
    // maxSteps caps the run: 5 steps × 0.5 = 2.5
    expect(reassignUntilStep(0.5, { ...run, maxSteps: 5 })).toBe(2);
  });
});
