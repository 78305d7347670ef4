import {
  checkMask,
  countNonZeros,
  MemoryLogger,
  PassManager,
  PassRegistry,
  silentLogger,
} from '@collabopt/core';
import { createEngine, type Engine } from '@collabopt/engine';
import { quadrantDataset } from '../test/synthetic';
import { tinyMlp } from '../test/small-cnn';
import { checkMN } from './check-mn';
import { registerPruningPasses } from './prune-pass';
import type { LayerSparsity } from './report';

let engine: Engine;
// (an MLP: the engine's conv gradients are slow on the cpu backend; conv kernels are covered by
// the transform and one-shot tests and by the benchmark)
const train = quadrantDataset(256, 1); // batch 32 → 8 steps per epoch
const test = quadrantDataset(128, 2);

beforeAll(async () => {
  engine = await createEngine({ backend: 'cpu', logger: silentLogger });
});

async function prune(pipeline: string, logger = new MemoryLogger()) {
  const passes = new PassRegistry();
  registerPruningPasses(passes);
  const result = await new PassManager({
    passRegistry: passes,
    engine,
    data: { train, test },
    logger,
    seed: 3,
  })
    .addPipeline(pipeline)
    .run(tinyMlp());
  const report = result.records[result.records.length - 1]!.report as Record<string, unknown> & {
    layers: LayerSparsity[];
  };
  return { graph: result.graph, report, logger };
}

function expectExactSparsity(
  graph: ReturnType<typeof tinyMlp>,
  layers: readonly string[],
  sparsity: number,
): void {
  for (const name of layers) {
    const w = graph.node(name).weight('kernel');
    const size = w.tensor.data.length;
    expect(countNonZeros(w.tensor.data)).toBe(Math.max(Math.round(size * (1 - sparsity)), 1));
    expect(checkMask(w.tensor, w.annotations.mask!).ok).toBe(true);
  }
}

describe('prune pass, fine-tuning through the engine', () => {
  it('constant schedule: exact target sparsity per layer, masks updated at the schedule steps, contract after strip', async () => {
    const { graph, report } = await prune(
      'prune(sparsity=0.6, frequency=4, epochs=2, batchSize=32, learningRate=0.01)',
    );
    expect(report['mode']).toBe('fine-tune');
    expect(report['steps']).toBe(16);
    expect(report['maskUpdateSteps']).toEqual([4, 8, 12, 16]);
    expectExactSparsity(graph, ['dense1', 'logits'], 0.6);
    for (const l of report.layers) {
      expect(l.targetSparsity).toBeCloseTo(0.6, 6);
      expect(Math.abs(l.achievedSparsity - 0.6)).toBeLessThan(1 / l.params + 1e-9);
    }
    const acc = report['accuracy'] as { before: number; after: number };
    expect(acc.after).toBeGreaterThanOrEqual(0);
    expect(acc.after).toBeLessThanOrEqual(1);
    expect(report.layers.map((l) => l.node)).toEqual(['dense1', 'logits']);
    expect(graph.node('dense1').weight('bias').annotations.mask).toBeUndefined();
  });

  it('polynomial schedule reaches the final sparsity at the last step', async () => {
    const { graph, report } = await prune(
      'prune(schedule=polynomial, initialSparsity=0.2, sparsity=0.7, frequency=4, epochs=2, batchSize=32, learningRate=0.01)',
    );
    expect(report['maskUpdateSteps']).toEqual([4, 8, 12, 16]);
    expectExactSparsity(graph, ['dense1', 'logits'], 0.7);
  });

  it('2:4 structured sparsity survives training', async () => {
    const { graph } = await prune('prune(m=2, n=4, epochs=1, batchSize=32, learningRate=0.01)');
    const check = checkMN(graph, 2, 4);
    expect(check.ok).toBe(true);
    expect(countNonZeros(graph.node('dense1').weight('kernel').tensor.data)).toBe(
      graph.node('dense1').weight('kernel').tensor.data.length / 2,
    );
  });

  it('a later fine-tuning prune keeps the masks of earlier pruned layers (the manager checks them)', async () => {
    const { graph } = await prune(
      'prune(oneShot=true, sparsity=0.5, layers=[logits]) | prune(sparsity=0.6, frequency=4, epochs=1, batchSize=32, layers=[dense1])',
    );
    expectExactSparsity(graph, ['logits'], 0.5);
    expectExactSparsity(graph, ['dense1'], 0.6);
  });

  it('one-shot with test data reports the accuracy cost', async () => {
    const { report } = await prune('prune(oneShot=true, sparsity=0.9)');
    expect(report['mode']).toBe('one-shot');
    const acc = report['accuracy'] as { before: number; after: number; dropPoints: number };
    expect(acc.dropPoints).toBeCloseTo((acc.before - acc.after) * 100, 10);
  });

  it('refuses a schedule that never updates a mask within the run', async () => {
    await expect(prune('prune(sparsity=0.5, epochs=1, batchSize=32)')).rejects.toThrow(
      /never updates the masks within the 8 training steps/,
    );
  });
});
