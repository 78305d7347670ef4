/** Runs only where tfjs-node is installed (tools/setup-tfjs-node); skipped otherwise. */
import { readdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { GraphBuilder, createRng, silentLogger, type Graph } from '@collabopt/core';
import { activateBackend, createDataset, createEngine, tf, type FitOptions } from './index';
import type { WeightTransform } from './transforms';
import { referenceCnn } from './reference-cnn';
import { GRAPH_STEP_ENV } from './tfjs-node-graph-step';

let available = false;
beforeAll(async () => {
  try {
    await activateBackend('tensorflow');
    available = true;
  } catch {
    available = false;
  }
});

/** A MobileNet-style model: conv + BN + ReLU6, depthwise (stride 2) + BN + ReLU6, 1×1 conv + BN, GAP, dense. */
function mobileBlock(): Graph {
  const b = new GraphBuilder('mobile_block', { seed: 3 });
  let h = b.input('x', [-1, 12, 12, 1]);
  h = b.layer('Conv2D', 'stem', h, {
    filters: 8,
    kernelSize: [3, 3],
    padding: 'same',
    useBias: false,
  });
  h = b.layer('BatchNorm', 'stem_bn', h);
  h = b.layer('Activation', 'stem_relu6', h, { activation: 'relu6' });
  h = b.layer('DepthwiseConv2D', 'dw', h, {
    kernelSize: [3, 3],
    strides: [2, 2],
    padding: 'same',
    useBias: false,
  });
  h = b.layer('BatchNorm', 'dw_bn', h);
  h = b.layer('Activation', 'dw_relu6', h, { activation: 'relu6' });
  h = b.layer('Conv2D', 'pw', h, { filters: 16, kernelSize: [1, 1], useBias: false });
  h = b.layer('BatchNorm', 'pw_bn', h);
  h = b.layer('GlobalAvgPool', 'pool', h);
  return b.build(b.layer('Dense', 'logits', h, { units: 4 }));
}

/** A model whose step draws a new dropout mask (a per-step constant): cannot become a graph. */
function withDropout(): Graph {
  const b = new GraphBuilder('dropout_net', { seed: 5 });
  let h = b.input('x', [-1, 12, 12, 1]);
  h = b.layer('Flatten', 'flat', h);
  h = b.layer('Dense', 'hidden', h, { units: 16, activation: 'relu' });
  h = b.layer('Dropout', 'drop', h, { rate: 0.5 });
  return b.build(b.layer('Dense', 'logits', h, { units: 4 }));
}

function data(count: number, side: number, seed: number): ReturnType<typeof createDataset> {
  const rng = createRng(seed);
  return createDataset(
    Float32Array.from({ length: count * side * side }, () => rng.uniform(0, 1)),
    Array.from({ length: count }, () => rng.int(4)),
    [side, side, 1],
  );
}

interface Run {
  losses: number[];
  weights: Float32Array[];
  /** TensorFlow session runs (graph steps). */
  graphRuns: number;
  warnings: string[];
}

/** Train a fresh copy of a model step by step, with or without the graph step. */
async function train(
  build: () => Graph,
  graphStep: boolean,
  side: number,
  options: Partial<FitOptions> & { steps: number },
): Promise<Run> {
  const engine = await createEngine({ backend: 'tensorflow', logger: silentLogger, graphStep });
  const graph = build();
  const losses: number[] = [];
  const backend = tf.backend() as unknown as { runSavedModel: (...args: unknown[]) => unknown };
  const run = jest.spyOn(backend, 'runSavedModel');
  const warn = jest.spyOn(process, 'emitWarning').mockImplementation(() => undefined);
  try {
    // One batch per epoch: the epoch log's loss is that step's loss.
    const result = await engine.fit(graph, data(8, side, 11), {
      epochs: options.steps,
      batchSize: 8,
      ...options,
      callbacks: { onEpochEnd: (log) => void losses.push(log.loss) },
    });
    expect(result.steps).toBe(options.steps);
    return {
      losses,
      weights: [...graph.weights()].map(({ weight }) => weight.tensor.data as Float32Array),
      graphRuns: run.mock.calls.length,
      warnings: warn.mock.calls.map((c) => String(c[0])),
    };
  } finally {
    run.mockRestore();
    warn.mockRestore();
  }
}

function maxDifference(a: Float32Array[], b: Float32Array[]): number {
  let max = 0;
  a.forEach((t, i) => t.forEach((v, j) => (max = Math.max(max, Math.abs(v - b[i]![j]!)))));
  return max;
}

test('graph step: the reference CNN trains to the same loss and weights as eager steps', async () => {
  if (!available) return;
  const build = (): Graph => referenceCnn(2);
  // Steps 1-3 eager (the first builds Adam's buffers, 2 and 3 are recorded), 4-6 one graph each.
  const eager = await train(build, false, 28, { steps: 6 });
  const graph = await train(build, true, 28, { steps: 6 });
  expect(eager.graphRuns).toBe(0);
  expect(graph.graphRuns).toBe(3);
  expect(graph.warnings).toEqual([]);
  graph.losses.forEach((l, i) => expect(Math.abs(l - eager.losses[i]!)).toBeLessThan(1e-5));
  expect(maxDifference(graph.weights, eager.weights)).toBeLessThan(1e-5);
  // The weights did move (the comparison is not between two untouched copies).
  const initial = [...referenceCnn(2).weights()].map(
    ({ weight }) => weight.tensor.data as Float32Array,
  );
  expect(maxDifference(graph.weights, initial)).toBeGreaterThan(1e-3);
});

test('graph step: a MobileNet-style block (depthwise, BatchNorm, ReLU6) matches eager steps', async () => {
  if (!available) return;
  // One graph step after the three eager ones: weights, Adam state and BatchNorm moving
  // statistics all come out of the session and must equal the eager step's to round-off.
  const eager = await train(mobileBlock, false, 12, { steps: 4 });
  const graph = await train(mobileBlock, true, 12, { steps: 4 });
  expect(graph.graphRuns).toBe(1);
  graph.losses.forEach((l, i) => expect(Math.abs(l - eager.losses[i]!)).toBeLessThan(1e-5));
  expect(maxDifference(graph.weights, eager.weights)).toBeLessThan(1e-5);
  // More graph steps: Adam divides by tiny second moments, so round-off grows, but stays small.
  const eager8 = await train(mobileBlock, false, 12, { steps: 8 });
  const graph8 = await train(mobileBlock, true, 12, { steps: 8 });
  expect(graph8.graphRuns).toBe(5);
  graph8.losses.forEach((l, i) => expect(Math.abs(l - eager8.losses[i]!)).toBeLessThan(1e-4));
  expect(maxDifference(graph8.weights, eager8.weights)).toBeLessThan(1e-3);
});

test('graph step: a step with per-step constants (dropout) falls back to eager with one warning', async () => {
  if (!available) return;
  const eager = await train(withDropout, false, 12, { steps: 7 });
  const graph = await train(withDropout, true, 12, { steps: 7 });
  expect(graph.graphRuns).toBe(0);
  expect(graph.warnings).toHaveLength(1);
  expect(graph.warnings[0]).toMatch(/steps run eagerly/);
  expect(maxDifference(graph.weights, eager.weights)).toBe(0);
});

test('graph step: off by engine option or environment variable, and leaves no temporary files', async () => {
  if (!available) return;
  const before = readdirSync(tmpdir()).filter((f) => f.startsWith('collabopt-step-')).length;
  const saved = process.env[GRAPH_STEP_ENV];
  try {
    process.env[GRAPH_STEP_ENV] = '0';
    const engine = await createEngine({ backend: 'tensorflow', logger: silentLogger });
    expect(engine.graphStep).toBe(false);
  } finally {
    if (saved === undefined) delete process.env[GRAPH_STEP_ENV];
    else process.env[GRAPH_STEP_ENV] = saved;
  }
  const off = await train(() => referenceCnn(1), false, 28, { steps: 5 });
  expect(off.graphRuns).toBe(0);
  const on = await train(() => referenceCnn(1), true, 28, { steps: 5 });
  expect(on.graphRuns).toBe(2);
  expect(readdirSync(tmpdir()).filter((f) => f.startsWith('collabopt-step-')).length).toBe(before);
});

test('graph step: a later fit of the same model reuses the loaded graph after one recorded step', async () => {
  if (!available) return;
  const engine = await createEngine({ backend: 'tensorflow', logger: silentLogger });
  const backend = tf.backend() as unknown as { runSavedModel: (...args: unknown[]) => unknown };
  const run = jest.spyOn(backend, 'runSavedModel');
  try {
    const fit = async (): Promise<number> => {
      run.mockClear();
      await engine.fit(referenceCnn(3), data(8, 28, 2), { epochs: 5, batchSize: 8 });
      return run.mock.calls.length;
    };
    // First fit: step 1 eager, 2 and 3 recorded, then graph. Second: step 2's recording matches.
    expect(await fit()).toBe(2);
    expect(await fit()).toBe(3);
  } finally {
    run.mockRestore();
  }
});

test('graph step: training with a weight transform stays eager (its hooks may swap constants)', async () => {
  if (!available) return;
  // A mask whose tensor is replaced after every step: a recorded graph would keep the first one.
  let masks = 0;
  const masking: WeightTransform = {
    name: 'test-mask',
    stage: 'mask',
    appliesTo: (t) => t.node.name === 'logits' && t.slot === 'kernel',
    create: (_, raw) => {
      masks = 0;
      let mask: tf.Tensor = tf.onesLike(raw);
      return {
        forward: (w) => tf.mul(w, mask),
        afterStep: () => {
          mask.dispose();
          mask = tf.fill(raw.shape, ++masks % 2, 'float32');
        },
        strip: () => undefined,
        dispose: () => mask.dispose(),
      };
    },
  };
  const graph = await train(() => referenceCnn(4), true, 28, {
    steps: 6,
    weightTransforms: [masking],
  });
  const eager = await train(() => referenceCnn(4), false, 28, {
    steps: 6,
    weightTransforms: [masking],
  });
  expect(graph.graphRuns).toBe(0);
  expect(graph.warnings).toEqual([]);
  expect(maxDifference(graph.weights, eager.weights)).toBe(0);
});
