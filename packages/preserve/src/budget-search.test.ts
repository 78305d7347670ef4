import { MemoryLogger, PassRegistry, type Graph, type ModelFile } from '@collabopt/core';
import { registerClusteringPasses } from '@collabopt/clustering';
import { createEngine, type Engine } from '@collabopt/engine';
import { registerPruningPasses } from '@collabopt/pruning';
import { registerQuantizationPasses } from '@collabopt/quantization';
import { registerPreservePasses } from './register';
import { branchPipeline, quantizationPipeline, searchBudget } from './budget-search';
import { toyData, toyModel } from '../test/toy-model';

/** Stored bits of each weight (its quant bits, 32 when float), rounded up to bytes. */
async function bitsWriter(graph: Graph): Promise<ModelFile[]> {
  let bits = 0;
  for (const n of graph.nodes)
    for (const w of Object.values(n.weights))
      bits += (w.annotations.quant?.bits ?? 32) * w.tensor.shape.reduce((a, b) => a * b, 1);
  return [{ path: 'model.bin', bytes: new Uint8Array(Math.ceil(bits / 8)) }];
}

describe('budget pipelines', () => {
  it('writes the branch and the per-layer PTQ plan in the pipeline language', () => {
    expect(branchPipeline({ sparsity: 0 }, 1)).toBe('');
    expect(branchPipeline({ sparsity: 0.5, clusters: 16 }, 2)).toBe(
      'prune(sparsity=0.5, epochs=2) | sparsityPreservingCluster(clusters=16, epochs=2, kmeansIterations=100, learningRate=0.0001)',
    );
    expect(quantizationPipeline(['a', 'b'], ['c'])).toBe(
      'ptq(mode=int8, exclude=["c"], layerBits="a:4,b:4")',
    );
  });
});

describe('searchBudget', () => {
  let engine: Engine;
  const passes = new PassRegistry();
  beforeAll(async () => {
    engine = await createEngine({ backend: 'cpu' });
    registerPruningPasses(passes);
    registerClusteringPasses(passes);
    registerQuantizationPasses(passes);
    registerPreservePasses(passes);
  });

  it('a generous budget: every layer goes to 4 bits; the choice is the smallest within budget and on the front', async () => {
    const r = await searchBudget(toyModel(), {
      engine,
      data: { test: toyData(40, 2), calibration: toyData(20, 5), train: toyData(20, 5) },
      passRegistry: passes,
      seed: 1,
      budget: 100,
      objective: 'raw',
      writer: bitsWriter,
      branches: [{ sparsity: 0 }],
    });
    expect(r.stoppedByTime).toBe(false);
    expect(r.chosen).toBeDefined();
    expect([...r.chosen!.fourBitLayers].sort()).toEqual(['conv', 'logits']);
    const within = r.candidates.filter((c) => c.withinBudget).map((c) => c.size);
    expect(r.chosen!.size).toBe(Math.min(...within));
    expect(r.pareto.map((c) => c.id)).toContain(r.chosen!.id);
    // all-int8 first, then the binary search's first probe is all layers at 4 bits
    expect(r.candidates.map((c) => c.fourBitLayers.length)).toEqual([0, 2]);
    expect(r.candidates[1]!.bytes).toBeLessThan(r.candidates[0]!.bytes);
    expect(r.chosenGraph!.metadata['quantization']).toMatchObject({ mode: 'int8' });
  });

  it('an impossible budget leaves layers float one by one and chooses nothing when none fits; the time limit stops new candidates', async () => {
    const base = {
      engine,
      data: { test: toyData(40, 2), calibration: toyData(20, 5), train: toyData(20, 5) },
      passRegistry: passes,
      seed: 1,
      writer: bitsWriter,
      branches: [{ sparsity: 0 }],
    };
    const r = await searchBudget(toyModel(), {
      ...base,
      budget: 0, // 0 points: only an exact match of the float accuracy fits
      evaluate: async (_g, { quantized }) => ({
        kind: 'accuracy' as const,
        value: quantized ? 0.5 : 0.9,
        samples: 40,
        source: 'float' as const,
      }),
    });
    expect(r.chosen).toBeUndefined();
    expect(r.candidates.map((c) => c.floatLayers.length)).toEqual([0, 1]);
    const timed = await searchBudget(toyModel(), { ...base, budget: 100, timeLimitSeconds: 0 });
    // Out of time before the search starts: only the first branch's all-int8 candidate is measured.
    expect(timed.stoppedByTime).toBe(true);
    expect(timed.candidates.map((c) => [c.fourBitLayers.length, c.floatLayers.length])).toEqual([
      [0, 0],
    ]);
    expect(timed.chosen?.id).toBe(timed.candidates[0]!.id);
  });

  it('a branch that fails to build is skipped with a warning naming it; the next branch is searched', async () => {
    const logger = new MemoryLogger();
    const r = await searchBudget(toyModel(), {
      engine,
      data: { test: toyData(40, 2), calibration: toyData(20, 5), train: toyData(20, 5) },
      passRegistry: passes,
      seed: 1,
      logger,
      budget: 100,
      objective: 'raw',
      writer: bitsWriter,
      // clusters=1 is refused by the cluster pass's option schema: the branch cannot be built.
      branches: [{ sparsity: 0, clusters: 1 }, { sparsity: 0 }],
    });
    const warnings = logger.messages('warn');
    expect(warnings).toEqual([
      expect.stringMatching(
        /^budget search: branch "cluster\(clusters=1, .*" failed and is skipped: /,
      ),
    ]);
    expect(r.candidates.length).toBeGreaterThan(0);
    expect(r.candidates.every((c) => c.branch.clusters === undefined)).toBe(true);
    expect(r.chosen).toBeDefined();
  });

  it('the time limit counts from the end of the sensitivity pass: a slow sensitivity pass does not use it up', async () => {
    const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
    // Every evaluation takes 0.6 s: the sensitivity pass (baseline + 2 layers × 2 probes = 5)
    // takes ≥ 3 s, longer than the 2 s limit; the search's first two candidates take ≈ 1.2 s.
    const r = await searchBudget(toyModel(), {
      engine,
      data: { test: toyData(40, 2), calibration: toyData(20, 5), train: toyData(20, 5) },
      passRegistry: passes,
      seed: 1,
      budget: 100,
      objective: 'raw',
      writer: bitsWriter,
      branches: [{ sparsity: 0 }],
      timeLimitSeconds: 2,
      evaluate: async () => {
        await sleep(600);
        return { kind: 'accuracy' as const, value: 0.9, samples: 40, source: 'float' as const };
      },
    });
    expect(r.sensitivitySeconds).toBeGreaterThan(2);
    // all-int8, then all-4-bit: the second candidate started within the limit of the search.
    expect(r.candidates.map((c) => c.fourBitLayers.length)).toEqual([0, 2]);
    expect(r.stoppedByTime).toBe(false);
    expect(r.seconds).toBeGreaterThanOrEqual(r.sensitivitySeconds);
  });

  it('screening: a candidate inside the budget on the subset but over it on the full set is not chosen; the next smallest is re-checked and chosen', async () => {
    // Any 4-bit layer: the subset sees no change (drop 0, nothing changed → margin 0, "within"),
    // the full set a 10-point drop. All-int8: no drop on either.
    const fourBit = (g: Graph): boolean =>
      g.nodes.some((n) => Object.values(n.weights).some((w) => w.annotations.quant?.bits === 4));
    const full: string[] = [];
    const r = await searchBudget(toyModel(), {
      engine,
      data: { test: toyData(40, 2), calibration: toyData(20, 5), train: toyData(20, 5) },
      passRegistry: passes,
      seed: 1,
      budget: 1,
      objective: 'raw',
      writer: bitsWriter,
      branches: [{ sparsity: 0 }],
      screenEvaluate: async () => ({
        kind: 'accuracy' as const,
        value: 0.9,
        samples: 10,
        source: 'int8-simulation' as const,
        changedFraction: 0,
      }),
      evaluate: async (g, { quantized }) => {
        full.push(quantized ? (fourBit(g) ? '4-bit' : 'int8') : 'float');
        return {
          kind: 'accuracy' as const,
          value: quantized && fourBit(g) ? 0.8 : 0.9,
          samples: 40,
          source: 'float' as const,
        };
      },
    });
    expect(r.screenSamples).toBe(10);
    // all-int8 (c1), then all layers at 4 bits (c2): both "within" on the subset
    expect(r.candidates.map((c) => c.screen?.verdict)).toEqual(['within', 'within']);
    // the smallest (c2) is re-checked first and misses; c1 is re-checked and fits
    const c2 = r.candidates.find((c) => c.id === 'c2')!;
    expect(c2.full).toEqual({ metric: 0.8, drop: expect.closeTo(10, 9), samples: 40 });
    expect(c2.withinBudget).toBe(false);
    expect(c2.screen).toMatchObject({ drop: 0, margin: 0 });
    expect(r.chosen?.id).toBe('c1');
    expect(r.chosen?.full?.drop).toBeCloseTo(0, 9);
    expect(r.rechecks).toBe(2);
    expect(full).toEqual(['float', '4-bit', 'int8']);
    expect(r.baseline).toBe(0.9);
  });

  it('screening: a subset drop within the margin of the budget is re-measured on the full set before the search uses it', async () => {
    // subset: 4-bit drops 0.5 points with 5 % changed on 2,000 images (margin 1 point) against a
    // 1-point budget → re-check; the full set says 2 points → over, so the search keeps int8.
    const fourBit = (g: Graph): boolean =>
      g.nodes.some((n) => Object.values(n.weights).some((w) => w.annotations.quant?.bits === 4));
    const r = await searchBudget(toyModel(), {
      engine,
      data: { test: toyData(40, 2), calibration: toyData(20, 5), train: toyData(20, 5) },
      passRegistry: passes,
      seed: 1,
      budget: 1,
      objective: 'raw',
      writer: bitsWriter,
      branches: [{ sparsity: 0 }],
      screenEvaluate: async (g, { quantized }) => ({
        kind: 'accuracy' as const,
        value: quantized && fourBit(g) ? 0.895 : 0.9,
        samples: 2000,
        source: 'int8-simulation' as const,
        changedFraction: quantized && fourBit(g) ? 0.05 : 0,
      }),
      evaluate: async (g, { quantized }) => ({
        kind: 'accuracy' as const,
        value: quantized && fourBit(g) ? 0.88 : 0.9,
        samples: 40,
        source: 'float' as const,
      }),
    });
    const verdicts = r.candidates.map((c) => [
      c.fourBitLayers.length,
      c.screen?.verdict,
      c.withinBudget,
    ]);
    expect(verdicts[0]).toEqual([0, 'within', true]);
    // every 4-bit candidate was re-checked at once and found over budget on the full set
    for (const c of r.candidates.slice(1)) {
      expect(c.screen?.verdict).toBe('recheck');
      expect(c.screen?.margin).toBeCloseTo(1, 9);
      expect(c.full?.drop).toBeCloseTo(2, 9);
      expect(c.withinBudget).toBe(false);
    }
    expect(r.candidates.length).toBeGreaterThan(1);
    expect(r.chosen?.id).toBe('c1');
  });
});
