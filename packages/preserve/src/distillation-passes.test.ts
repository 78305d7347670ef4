import {
  GraphBuilder,
  InvalidArgumentError,
  MemoryLogger,
  PassManager,
  PassRegistry,
  createRng,
  sizeOf,
  type Graph,
  type Value,
} from '@collabopt/core';
import { registerClusteringPasses } from '@collabopt/clustering';
import {
  createDataset,
  createEngine,
  type DataSource,
  type Engine,
  type OutputAgreement,
} from '@collabopt/engine';
import { registerPruningPasses } from '@collabopt/pruning';
import { registerQuantizationPasses } from '@collabopt/quantization';
import { registerPreservePasses } from './register';

// Training runs take seconds each, more on a loaded machine.
jest.setTimeout(120_000);

/** A detector-like net over 8×8×1 with two heads: a 3-class softmax and 4 linear "box" values. */
function twoHeads(): Graph {
  const b = new GraphBuilder('two-heads', { seed: 5 });
  const x = b.input('image', [-1, 8, 8, 1]);
  let h: Value = b.layer('Conv2D', 'conv', x, {
    filters: 8,
    kernelSize: [3, 3],
    padding: 'same',
    activation: 'relu',
  });
  h = b.layer('MaxPool2D', 'pool', h);
  h = b.layer('Flatten', 'flatten', h);
  h = b.layer('Dense', 'hidden', h, { units: 32, activation: 'relu' });
  const scores = b.layer('Dense', 'scores', h, { units: 3, activation: 'softmax' });
  const boxes = b.layer('Dense', 'boxes', h, { units: 4 });
  return b.build([scores, boxes]);
}

/** A one-output softmax classifier over 8×8×1. */
function classifier(): Graph {
  const b = new GraphBuilder('classifier', { seed: 6 });
  const x = b.input('image', [-1, 8, 8, 1]);
  let h: Value = b.layer('Flatten', 'flatten', x);
  h = b.layer('Dense', 'hidden', h, { units: 16, activation: 'relu' });
  return b.build(b.layer('Dense', 'probs', h, { units: 4, activation: 'softmax' }));
}

function images(count: number, seed: number): Float32Array {
  const rng = createRng(seed);
  return Float32Array.from({ length: count * 64 }, () => rng.next());
}

/** An in-memory data source: unlabelled, or with dense targets of `width` values per sample. */
function source(x: Float32Array, targets?: { values: Float32Array; width: number }): DataSource {
  const shape = [8, 8, 1];
  const per = sizeOf(shape);
  return {
    name: targets ? 'targets' : 'unlabelled',
    count: x.length / per,
    sampleShape: shape,
    ...(targets ? { labels: { kind: 'dense' as const, shape: [targets.width] } } : {}),
    async read(indices) {
      const idx = Array.from(indices as ArrayLike<number>);
      const bx = new Float32Array(idx.length * per);
      idx.forEach((j, i) => bx.set(x.subarray(j * per, (j + 1) * per), i * per));
      if (!targets) return { x: bx, size: idx.length };
      const w = targets.width;
      const t = new Float32Array(idx.length * w);
      idx.forEach((j, i) => t.set(targets.values.subarray(j * w, (j + 1) * w), i * w));
      return { x: bx, targets: t, size: idx.length };
    },
  };
}

describe('training passes distil from the float model', () => {
  let engine: Engine;
  const passes = new PassRegistry();
  registerPruningPasses(passes);
  registerClusteringPasses(passes);
  registerQuantizationPasses(passes);
  registerPreservePasses(passes);

  beforeAll(async () => {
    engine = await createEngine({ backend: 'wasm', logger: new MemoryLogger() });
  });

  function pipeline(pipelineText: string, data: Record<string, unknown>): PassManager {
    return new PassManager({
      passRegistry: passes,
      logger: new MemoryLogger(),
      engine,
      data,
      seed: 2,
    }).addPipeline(pipelineText);
  }

  async function agreement(graph: Graph, teacher: Graph, data: DataSource) {
    const r = await engine.evaluate(graph, data, { teacher, batchSize: 64 });
    return r.agreement as readonly OutputAgreement[];
  }

  it('prune | pqat fine-tunes a two-output model on unlabelled data, closer to the float model than one-shot pruning', async () => {
    const float = twoHeads();
    const train = source(images(512, 1));
    const held = source(images(128, 2));

    const oneShot = (await pipeline('prune(sparsity=0.8, oneShot=true)', {}).run(float.clone()))
      .graph;
    const tuned = (
      await pipeline(
        'prune(sparsity=0.8, frequency=1, epochs=3, batchSize=32, learningRate=0.003)',
        { train },
      ).run(float.clone())
    ).graph;
    const [oneShotScores, oneShotBoxes] = await agreement(oneShot, float, held);
    const [tunedScores, tunedBoxes] = await agreement(tuned, float, held);
    // Distillation moved both heads back towards the float model's outputs.
    expect(tunedBoxes!.sqnrDb).toBeGreaterThan(oneShotBoxes!.sqnrDb + 3);
    expect(tunedScores!.sqnrDb).toBeGreaterThan(oneShotScores!.sqnrDb);
    const hidden = tuned.node('hidden').weight('kernel');
    expect(hidden.annotations.mask).toBeDefined();

    // The pass manager snapshots the float input as teacher, so pqat after prune still distils
    // from the unpruned model, and the int8 model keeps the zeros.
    const { graph: int8 } = await pipeline(
      'prune(sparsity=0.8, frequency=1, epochs=2, batchSize=32, learningRate=0.003) | pqat(epochs=1, batchSize=32)',
      { train },
    ).run(float.clone());
    expect(int8.metadata['quantization']).toEqual({ mode: 'int8' });
    const kernel = int8.node('hidden').weight('kernel').tensor.data as Float32Array;
    expect(kernel.filter((v) => v === 0).length / kernel.length).toBeGreaterThanOrEqual(0.79);
    const [, int8Boxes] = await agreement(int8, float, held);
    expect(int8Boxes!.sqnrDb).toBeGreaterThan(oneShotBoxes!.sqnrDb);
  });

  it('a label-loss override replaces the loss chosen from the head', async () => {
    const x = images(256, 3);
    const rng = createRng(4);
    const oneHot = new Float32Array(256 * 4);
    for (let i = 0; i < 256; i++) oneHot[i * 4 + rng.int(4)] = 1;
    const train = source(x, { values: oneHot, width: 4 });
    const lossOf = async (options: string): Promise<number> => {
      const { records } = await pipeline(
        `cluster(clusters=8, epochs=1, batchSize=64, learningRate=0.00001${options})`,
        { train },
      ).run(classifier());
      const report = records[records.length - 1]!.report as { history: { loss: number }[] };
      return report.history[0]!.loss;
    };
    // Softmax head + dense targets: cross-entropy by default (≈ ln 4 for a near-uniform model);
    // the override trains on the squared error of the probabilities (≈ 0.19 here).
    const auto = await lossOf('');
    const mse = await lossOf(', loss=mse');
    expect(auto).toBeGreaterThan(1);
    expect(mse).toBeLessThan(0.5);

    // Class ids cannot feed a dense loss: a typed error naming the option.
    const classes = createDataset(
      x,
      Int32Array.from({ length: 256 }, (_, i) => i % 4),
      [8, 8, 1],
    );
    await expect(
      pipeline('cluster(clusters=8, epochs=1, loss=mse)', { train: classes }).run(classifier()),
    ).rejects.toThrow(InvalidArgumentError);
  });
});
