/**
 * A pass that fine-tunes through a weight transform: during training every kernel gets Gaussian
 * noise (a regularizer that makes a model tolerate the rounding of int8 quantization); the pass
 * adds its own transform stage, declares its contracts, and runs in a text pipeline before PTQ.
 * Run: `npx tsx examples/training-pass.ts` (after `npm run build`).
 */
import {
  GraphBuilder,
  PassManager,
  PassRegistry,
  createRng,
  definePass,
  silentLogger,
  type Graph,
} from '@collabopt/core';
import {
  createDataset,
  createEngine,
  getDataset,
  getEngine,
  registerTransformStage,
  tf,
  type Dataset,
  type WeightTransform,
} from '@collabopt/engine';
import { registerQuantizationPasses } from '@collabopt/quantization';

// A new stage of the weight-transform stack: after pruning masks and codebooks, before fake-quant.
registerTransformStage('noise', { before: 'quantize' });

function noiseTransform(stddev: number, seed: number): WeightTransform {
  return {
    name: 'weightNoise',
    stage: 'noise',
    appliesTo: (target) => target.capabilities.quantizable && target.slot === 'kernel',
    create: () => ({
      // Inside the gradient tape: the noise is a constant, so the gradient reaches w unchanged.
      forward: (w, info) =>
        info.training
          ? tf.add(w, tf.randomNormal(w.shape, 0, stddev, 'float32', seed + info.step))
          : w,
      // Nothing to record: after training the weight is its clean value, with no new contract.
      strip: () => {},
      dispose: () => {},
    }),
  };
}

export const weightNoise = definePass({
  name: 'weightNoise',
  description: 'fine-tune with Gaussian noise on the kernels (robustness to int8 rounding)',
  options: {
    stddev: { kind: 'number', min: 0, default: 0.01, description: 'noise standard deviation' },
    epochs: { kind: 'integer', min: 1, default: 1, description: 'fine-tuning epochs' },
  },
  // Training moves every weight: zeros of a mask, codebook values and quantization grids break.
  preserves: [],
  drops: ['mask', 'codebook', 'quant', 'range'],
  async run(graph, ctx, { stddev, epochs }) {
    const train = getDataset(ctx, 'train');
    if (train === undefined) {
      ctx.logger.warn('weightNoise: no training data; the graph is unchanged');
      return { changed: false };
    }
    const engine = await getEngine(ctx);
    const fit = await engine.fit(graph, train, {
      epochs,
      batchSize: 32,
      seed: ctx.seed,
      weightTransforms: [noiseTransform(stddev, ctx.seed)],
      progress: ctx.progress,
      label: 'fine-tune',
      ...(ctx.signal ? { signal: ctx.signal } : {}),
    });
    return { changed: true, report: { steps: fit.steps } };
  },
});

/** Two Gaussian blobs per class in 8 dimensions: a small learnable classification task. */
function blobs(count: number, seed: number): Dataset {
  const rng = createRng(seed);
  const x = new Float32Array(count * 8);
  const y = new Int32Array(count);
  for (let i = 0; i < count; i++) {
    y[i] = i % 2;
    for (let j = 0; j < 8; j++) x[i * 8 + j] = (y[i] === 1 ? 0.12 : -0.12) + rng.uniform(-0.5, 0.5);
  }
  return createDataset(x, y, [8], 'blobs');
}

function tinyModel(): Graph {
  const b = new GraphBuilder('tiny', { seed: 2 });
  const h = b.layer('Dense', 'hidden', b.input('input', [-1, 8]), {
    units: 16,
    activation: 'relu',
  });
  return b.build(b.layer('Dense', 'logits', h, { units: 2 }));
}

async function main(): Promise<void> {
  const passes = new PassRegistry();
  registerQuantizationPasses(passes);
  passes.register(weightNoise);
  const engine = await createEngine({ logger: silentLogger });
  const train = blobs(512, 1);
  const test = blobs(256, 2);
  const result = await new PassManager({
    passRegistry: passes,
    logger: silentLogger,
    engine,
    data: { train, test },
  })
    .addPipeline('weightNoise(stddev=0.02, epochs=3) | ptq(mode=int8)')
    .run(tinyModel());
  const accuracy = (await engine.evaluate(result.graph, test)).accuracy;
  console.log(`passes: ${result.records.map((r) => r.pass).join(' → ')}`);
  console.log(`test accuracy after weightNoise and int8 PTQ: ${(accuracy * 100).toFixed(1)}%`);
}

main().catch((e: unknown) => {
  console.error(e);
  process.exit(1);
});
