import {
  countNonZeros,
  countUnique,
  GraphBuilder,
  MemoryLogger,
  PassManager,
  PassRegistry,
  PipelineError,
  type Graph,
} from '@collabopt/core';
import type { ClusterReport } from './cluster-pass';
import { registerClusteringPasses } from './register';

/** The DESIGN.md reference CNN (random Keras-style initial weights). */
function referenceCnn(seed = 1): Graph {
  const b = new GraphBuilder('ref', { seed });
  let x = b.input('image', [-1, 28, 28, 1]);
  x = b.layer('Conv2D', 'conv1', x, { filters: 16, kernelSize: [3, 3], activation: 'relu' });
  x = b.layer('MaxPool2D', 'pool1', x, { poolSize: [2, 2] });
  x = b.layer('Conv2D', 'conv2', x, { filters: 32, kernelSize: [3, 3], activation: 'relu' });
  x = b.layer('MaxPool2D', 'pool2', x, { poolSize: [2, 2] });
  x = b.layer('Flatten', 'flatten', x);
  x = b.layer('Dense', 'dense1', x, { units: 64, activation: 'relu' });
  return b.build(b.layer('Dense', 'logits', x, { units: 10 }));
}

/** Magnitude-prune every kernel to 50% and record the mask, as the pruning pass would. */
function pruneHalf(graph: Graph): void {
  for (const { slot, weight } of graph.weights()) {
    if (slot !== 'kernel') continue;
    const data = weight.tensor.data as Float32Array;
    const threshold = Float32Array.from(data, Math.abs).sort()[Math.floor(data.length / 2)]!;
    const mask = Uint8Array.from(data, (v) => (Math.abs(v) >= threshold ? 1 : 0));
    data.forEach((v, i) => (data[i] = mask[i] ? v : 0));
    weight.annotations.mask = { mask, structure: { kind: 'unstructured' }, targetSparsity: 0.5 };
  }
}

function kernels(graph: Graph) {
  return [...graph.weights()].filter((w) => w.slot === 'kernel');
}

function run(graph: Graph, pipeline: string, logger = new MemoryLogger()) {
  const passRegistry = new PassRegistry();
  registerClusteringPasses(passRegistry);
  return new PassManager({ passRegistry, logger, seed: 3 }).addPipeline(pipeline).run(graph);
}

describe('cluster pass', () => {
  it('one-shot: every kernel takes ≤ 16 values, carries a codebook, and the report says so', async () => {
    const graph = referenceCnn();
    const { records, warnings } = await run(graph, 'cluster(clusters=16, init=linear)');
    expect(warnings).toEqual([]);
    for (const { weight } of kernels(graph)) {
      expect(countUnique(weight.tensor.data)).toBeLessThanOrEqual(16);
      expect(weight.annotations.codebook?.clusters).toBe(16);
    }
    const report = records[records.length - 1]!.report as unknown as ClusterReport;
    expect(report.mode).toBe('one-shot');
    expect(report.layers.map((l) => l.node)).toEqual(['conv1', 'conv2', 'dense1', 'logits']);
    for (const l of report.layers) expect(l.uniqueValues).toBeLessThanOrEqual(16);
    // Biases are not clusterable.
    expect(graph.findNode('conv1')!.weight('bias').annotations.codebook).toBeUndefined();
  });

  it('per channel: one codebook per output channel', async () => {
    const graph = referenceCnn();
    await run(graph, 'cluster(clusters=8, perChannel=true)');
    const w = graph.findNode('conv2')!.weight('kernel');
    const data = w.tensor.data as Float32Array;
    for (let ch = 0; ch < 32; ch++)
      expect(countUnique(data.filter((_, i) => i % 32 === ch))).toBeLessThanOrEqual(8);
    expect(countUnique(data)).toBeGreaterThan(8);
    expect(w.annotations.codebook!.channelAxes).toEqual([3]);
    expect(w.annotations.codebook!.centroids).toHaveLength(32 * 8);
  });

  it('plain cluster after pruning warns and names sparsityPreservingCluster', async () => {
    const graph = referenceCnn();
    pruneHalf(graph);
    // Linear centroids without k-means refinement do not include 0, so the zeros move.
    const { warnings } = await run(graph, 'cluster(clusters=8, init=linear, kmeansIterations=0)');
    expect(warnings).toEqual([
      'cluster drops the sparsity the input model carries; use sparsityPreservingCluster to keep it',
    ]);
    expect(graph.findNode('dense1')!.weight('kernel').annotations.mask).toBeUndefined();
  });

  it('sparsityPreservingCluster keeps the zero count and the mask of a pruned model', async () => {
    const graph = referenceCnn();
    pruneHalf(graph);
    const before = kernels(graph).map(({ weight }) => countNonZeros(weight.tensor.data));
    const { warnings, records } = await run(
      graph,
      'sparsityPreservingCluster(clusters=8, init=density)',
    );
    expect(warnings).toEqual([]);
    expect(kernels(graph).map(({ weight }) => countNonZeros(weight.tensor.data))).toEqual(before);
    for (const { weight } of kernels(graph)) {
      expect(weight.annotations.mask).toBeDefined();
      const cb = weight.annotations.codebook!;
      expect(cb.centroids[cb.zeroCentroid![0]!]).toBe(0);
      expect(countUnique(weight.tensor.data)).toBeLessThanOrEqual(8);
    }
    const report = records[records.length - 1]!.report as unknown as ClusterReport;
    for (const l of report.layers) expect(l.sparsityAfter).toBe(l.sparsityBefore);
  });

  it('honours the "not enough weights" guard and reports it', async () => {
    const b = new GraphBuilder('small', { seed: 2 });
    const x = b.input('x', [-1, 4, 4, 2]);
    const graph = b.build(b.layer('Conv2D', 'pointwise', x, { filters: 4, kernelSize: [1, 1] }));
    const logger = new MemoryLogger();
    const { records } = await run(graph, 'cluster(clusters=16, perChannel=true)', logger);
    const report = records[records.length - 1]!.report as unknown as ClusterReport;
    expect(report.layers).toEqual([]);
    expect(report.skipped).toEqual([
      {
        node: 'pointwise',
        slot: 'kernel',
        reason: expect.stringMatching(/2 weight\(s\) per channel for 16 clusters/),
      },
    ]);
    expect(
      logger.records.some((r) => r.level === 'warn' && /not enough weights/.test(r.message)),
    ).toBe(true);
    expect(graph.findNode('pointwise')!.weight('kernel').annotations.codebook).toBeUndefined();
  });

  it('reports channels with fewer distinct values than clusters', async () => {
    const b = new GraphBuilder('few', { seed: 2 });
    const x = b.input('x', [-1, 6, 6, 10]);
    const graph = b.build(
      b.layer('Conv2D', 'conv', x, { filters: 3, kernelSize: [2, 2], useBias: false }),
    );
    const data = graph.findNode('conv')!.weight('kernel').tensor.data as Float32Array;
    for (let i = 0; i < 40; i++) data[i * 3] = i % 2 ? 0.5 : -0.5; // channel 0: two values
    const { records } = await run(graph, 'cluster(clusters=4, perChannel=true)');
    const report = records[records.length - 1]!.report as unknown as ClusterReport;
    expect(report.layers[0]!.fewDistinctChannels).toEqual([0]);
    expect(new Set(Array.from({ length: 40 }, (_, i) => data[i * 3]))).toEqual(
      new Set([-0.5, 0.5]),
    );
  });

  it('per channel applies to conv kernels; Dense keeps one codebook (as TFMOT)', async () => {
    const graph = referenceCnn();
    await run(graph, 'cluster(clusters=4, perChannel=true)');
    expect(graph.findNode('conv1')!.weight('kernel').annotations.codebook!.channelAxes).toEqual([
      3,
    ]);
    expect(
      graph.findNode('dense1')!.weight('kernel').annotations.codebook!.channelAxes,
    ).toBeUndefined();
    expect(countUnique(graph.findNode('dense1')!.weight('kernel').tensor.data)).toBeLessThanOrEqual(
      4,
    );
  });

  it('validates options through the pass registry', () => {
    const registry = new PassRegistry();
    registerClusteringPasses(registry);
    registerClusteringPasses(registry); // idempotent
    expect(() => registry.fromText('cluster(clusters=1)')).toThrow(PipelineError);
    expect(() => registry.fromText('cluster(init=kmeans)')).toThrow(
      /one of linear, random, density, kmeans\+\+/,
    );
    expect(() => registry.fromText('sparsityPreservingCluster(preserveSparsity=false)')).toThrow(
      /unknown option/,
    );
    const [pass] = registry.fromText('sparsityPreservingCluster(clusters=8)');
    expect(pass!.name).toBe('sparsityPreservingCluster');
    expect(pass!.drops).toEqual(['quant']);
    expect(() =>
      new PassManager({ passRegistry: registry })
        .addPipeline('sparsityPreservingCluster(clusters=2)')
        .run(referenceCnn()),
    ).rejects.toThrow(/at least 3 clusters/);
  });
});
