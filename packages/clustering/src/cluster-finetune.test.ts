import {
  checkCodebook,
  checkMask,
  countNonZeros,
  countUnique,
  createRng,
  GraphBuilder,
  MemoryLogger,
  PassManager,
  PassRegistry,
  silentLogger,
  type Graph,
} from '@collabopt/core';
import { createDataset, createEngine, type Dataset, type Engine } from '@collabopt/engine';
import type { ClusterReport } from './cluster-pass';
import { registerClusteringPasses } from './register';

let engine: Engine;
let train: Dataset;
let base: Graph;

/** Three classes of 8×8 images: bright top, bright bottom, or bright left half, plus noise. */
function synthetic(count: number, seed: number): Dataset {
  const rng = createRng(seed);
  const x = new Float32Array(count * 64);
  const y = new Int32Array(count);
  for (let s = 0; s < count; s++) {
    const label = rng.int(3);
    y[s] = label;
    for (let r = 0; r < 8; r++) {
      for (let c = 0; c < 8; c++) {
        const on = label === 0 ? r < 4 : label === 1 ? r >= 4 : c < 4;
        x[s * 64 + r * 8 + c] = (on ? 0.8 : 0.1) + rng.normal() * 0.1;
      }
    }
  }
  return createDataset(x, y, [8, 8, 1], 'synthetic');
}

function smallCnn(seed: number): Graph {
  const b = new GraphBuilder('small', { seed });
  let h = b.input('image', [-1, 8, 8, 1]);
  h = b.layer('Conv2D', 'conv', h, { filters: 8, kernelSize: [3, 3], activation: 'relu' });
  h = b.layer('Flatten', 'flatten', h);
  h = b.layer('Dense', 'hidden', h, { units: 16, activation: 'relu' });
  return b.build(b.layer('Dense', 'logits', h, { units: 3 }));
}

beforeAll(async () => {
  // wasm: the backend CI trains on when tfjs-node is not built.
  engine = await createEngine({ backend: 'wasm', logger: silentLogger });
  train = synthetic(192, 1);
  base = smallCnn(3);
  await engine.fit(base, train, { epochs: 2, batchSize: 32, learningRate: 1e-2, seed: 1 });
});

const pretrained = (): Graph => base.clone();

function run(graph: Graph, pipeline: string) {
  const passRegistry = new PassRegistry();
  registerClusteringPasses(passRegistry);
  return new PassManager({
    passRegistry,
    engine,
    data: { train },
    logger: new MemoryLogger(),
    seed: 5,
  })
    .addPipeline(pipeline)
    .run(graph);
}

const kernels = (g: Graph) => [...g.weights()].filter((w) => w.slot === 'kernel');

/** Magnitude-prune every kernel to 50% and record the mask, as the pruning pass would. */
function pruneHalf(graph: Graph): void {
  for (const { weight } of kernels(graph)) {
    const data = weight.tensor.data as Float32Array;
    const threshold = Float32Array.from(data, Math.abs).sort()[Math.floor(data.length / 2)]!;
    const mask = Uint8Array.from(data, (v) => (Math.abs(v) >= threshold ? 1 : 0));
    data.forEach((v, i) => (data[i] = mask[i] ? v : 0));
    weight.annotations.mask = { mask };
  }
}

describe('cluster pass with fine-tuning (engine)', () => {
  it('fine-tunes, then every kernel takes ≤ k values of its codebook', async () => {
    const graph = pretrained();
    const before = (await engine.evaluate(graph, train)).accuracy;
    const { records } = await run(
      graph,
      'cluster(clusters=8, epochs=1, batchSize=32, learningRate=1e-3)',
    );
    const report = records[records.length - 1]!.report as unknown as ClusterReport;
    expect(report.mode).toBe('fine-tune');
    for (const { weight } of kernels(graph)) {
      expect(countUnique(weight.tensor.data)).toBeLessThanOrEqual(8);
      expect(checkCodebook(weight.tensor, weight.annotations.codebook!)).toEqual({ ok: true });
    }
    // The task is easy: clustering with fine-tuning keeps it solved.
    expect((await engine.evaluate(graph, train)).accuracy).toBeGreaterThan(
      Math.min(before, 0.9) - 0.05,
    );
  });

  it('per channel + sparsity preserving after pruning: zero count unchanged, ≤ k values per channel', async () => {
    const graph = pretrained();
    pruneHalf(graph);
    const zeros = kernels(graph).map(
      ({ weight }) => weight.tensor.data.length - countNonZeros(weight.tensor.data),
    );
    const { warnings } = await run(
      graph,
      'sparsityPreservingCluster(clusters=4, perChannel=true, epochs=1, batchSize=32, learningRate=1e-3)',
    );
    expect(warnings).toEqual([]);
    expect(
      kernels(graph).map(
        ({ weight }) => weight.tensor.data.length - countNonZeros(weight.tensor.data),
      ),
    ).toEqual(zeros);
    const conv = graph.findNode('conv')!.weight('kernel');
    const data = conv.tensor.data as Float32Array;
    for (let ch = 0; ch < 8; ch++)
      expect(countUnique(data.filter((_, i) => i % 8 === ch))).toBeLessThanOrEqual(4);
    expect(conv.annotations.mask).toBeDefined();
    expect(conv.annotations.codebook!.zeroCentroid).toHaveLength(8);
  });

  it('sparsity preserving keeps the zeros of a pruned kernel it leaves unclustered (too few weights per channel) while the rest fine-tunes', async () => {
    // conv's kernel has 9 weights per output channel: with 16 clusters per channel TFMOT's guard
    // leaves it unclustered, yet it is trained with the rest of the model. Its pruned zeros must
    // stay exactly zero (bench:size's per-channel budget branch once broke the mask contract here).
    const graph = pretrained();
    pruneHalf(graph);
    const conv = graph.findNode('conv')!.weight('kernel');
    const zerosBefore = conv.tensor.data.length - countNonZeros(conv.tensor.data);
    const convBefore = Float32Array.from(conv.tensor.data as Float32Array);
    const { records } = await run(
      graph,
      'sparsityPreservingCluster(clusters=16, perChannel=true, epochs=1, batchSize=32, learningRate=1e-2)',
    );
    const report = records[records.length - 1]!.report as unknown as ClusterReport;
    expect(report.mode).toBe('fine-tune');
    expect(report.skipped).toEqual([
      { node: 'conv', slot: 'kernel', reason: expect.stringMatching(/9 weight\(s\) per channel/) },
    ]);
    expect(conv.annotations.codebook).toBeUndefined();
    expect(checkMask(conv.tensor, conv.annotations.mask!)).toEqual({ ok: true });
    expect(conv.tensor.data.length - countNonZeros(conv.tensor.data)).toBe(zerosBefore);
    // The unclustered kernel did train (its kept weights moved): the zeros were kept on purpose.
    const kept = convBefore.findIndex((v) => v !== 0);
    expect(conv.tensor.data.some((v, i) => convBefore[i] !== 0 && v !== convBefore[i])).toBe(true);
    expect(kept).toBeGreaterThanOrEqual(0);
    const hidden = graph.findNode('hidden')!.weight('kernel');
    expect(hidden.annotations.codebook!.zeroCentroid).toEqual([expect.any(Number)]);
    expect(checkMask(hidden.tensor, hidden.annotations.mask!)).toEqual({ ok: true });
  });

  it('sparsity preserving with layers= keeps the zeros of the masked layers it does not cluster', async () => {
    const graph = pretrained();
    pruneHalf(graph);
    await run(
      graph,
      'sparsityPreservingCluster(clusters=4, layers=["hidden"], epochs=1, batchSize=32, learningRate=1e-2)',
    );
    for (const node of ['conv', 'hidden', 'logits']) {
      const w = graph.findNode(node)!.weight('kernel');
      expect(checkMask(w.tensor, w.annotations.mask!)).toEqual({ ok: true });
      expect(w.annotations.codebook !== undefined).toBe(node === 'hidden');
    }
  });
});
