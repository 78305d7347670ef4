import {
  CancelledError,
  GraphBuilder,
  defaultOpRegistry,
  createRng,
  floatTensor,
  silentLogger,
  sizeOf,
  type Graph,
  type ProgressInfo,
  type ProgressReporter,
  type Value,
  type Weight,
} from '@collabopt/core';
import {
  createDataset,
  createEngine,
  loadMnistDigits,
  referenceCnn,
  take,
  tf,
  type ActivationTransform,
  type Dataset,
  type Engine,
  type WeightTransform,
} from './index';
import { FUSION } from './builtin-kernels';
import { RELU_AFTER_POOL, reluPoolPairs } from './relu-after-pool';

let engine: Engine;
beforeAll(async () => {
  engine = await createEngine({ backend: 'wasm', logger: silentLogger });
});

/** A small conv net over 8×8×1 inputs with every trainable feature the trainer must handle. */
function smallNet(seed = 1, extra: 'plain' | 'bn-dropout' = 'plain'): Graph {
  const b = new GraphBuilder('small', { seed });
  let h: Value = b.input('x', [-1, 8, 8, 1]);
  h = b.layer('Conv2D', 'conv', h, {
    filters: 4,
    kernelSize: [3, 3],
    padding: 'same',
    activation: 'relu',
  });
  if (extra === 'bn-dropout') h = b.layer('BatchNorm', 'bn', h);
  h = b.layer('MaxPool2D', 'pool', h);
  h = b.layer('Flatten', 'flat', h);
  if (extra === 'bn-dropout') h = b.layer('Dropout', 'drop', h, { rate: 0.3 });
  return b.build(b.layer('Dense', 'logits', h, { units: 3 }));
}

/** Three separable classes of 8×8 images: a bright row band at top, middle or bottom. */
function bands(count: number, seed: number): Dataset {
  const rng = createRng(seed);
  const x = new Float32Array(count * 64);
  const y = new Int32Array(count);
  for (let i = 0; i < count; i++) {
    const c = rng.int(3);
    y[i] = c;
    for (let p = 0; p < 64; p++) {
      const row = Math.floor(p / 8);
      x[i * 64 + p] = (Math.floor(row / 3) === c ? 0.8 : 0.1) + 0.2 * rng.next();
    }
  }
  return createDataset(x, y, [8, 8, 1], 'bands');
}

const snapshot = (g: Graph): Float32Array[] =>
  [...g.weights()].map(({ weight }) => Float32Array.from(weight.tensor.data as Float32Array));

describe('fit', () => {
  test('learns a separable problem and reports history', async () => {
    const g = smallNet();
    const data = bands(192, 1);
    const before = await engine.evaluate(g, data);
    const { history, steps } = await engine.fit(g, data, {
      epochs: 4,
      batchSize: 32,
      learningRate: 0.01,
      seed: 3,
      validation: bands(60, 2),
    });
    expect(steps).toBe(24);
    expect(history).toHaveLength(4);
    expect(history[3]!.loss).toBeLessThan(history[0]!.loss);
    expect(history[3]!.valAccuracy).toBeGreaterThan(0.9);
    const after = await engine.evaluate(g, data);
    expect(after.accuracy).toBeGreaterThan(Math.max(0.9, before.accuracy));
  });

  test('is deterministic for a seed (shuffling, dropout) and differs across seeds', async () => {
    const data = bands(96, 4);
    const run = async (seed: number): Promise<Float32Array[]> => {
      const g = smallNet(5, 'bn-dropout');
      await engine.fit(g, data, { epochs: 2, batchSize: 16, seed });
      return snapshot(g);
    };
    const a = await run(7);
    const b = await run(7);
    const c = await run(8);
    a.forEach((w, i) => expect(Array.from(w)).toEqual(Array.from(b[i]!)));
    expect(a.some((w, i) => w.some((v, j) => v !== c[i]![j]))).toBe(true);
  });

  test('leaks no tensors: the count is flat across epochs and back to the start afterwards', async () => {
    const g = smallNet(2, 'bn-dropout');
    const counts: number[] = [];
    const start = tf.memory().numTensors;
    await engine.fit(g, bands(64, 5), {
      epochs: 3,
      batchSize: 16,
      validation: bands(20, 6),
      callbacks: { onEpochEnd: () => void counts.push(tf.memory().numTensors) },
    });
    expect(new Set(counts).size).toBe(1);
    expect(tf.memory().numTensors).toBe(start);
    await engine.predict(g, [floatTensor([2, 8, 8, 1], new Float32Array(128))]);
    await engine.evaluate(g, bands(10, 7));
    expect(tf.memory().numTensors).toBe(start);
  });

  test('BatchNorm uses batch statistics in training and updates its moving statistics', async () => {
    const b = new GraphBuilder('bn', { seed: 1 });
    const x = b.input('x', [-1, 2]);
    const n = b.layer('BatchNorm', 'bn', x, { momentum: 0.5 });
    const g = b.build(b.layer('Dense', 'logits', n, { units: 2 }));
    const data = createDataset(new Float32Array([1, 10, 3, 20, 5, 60, 7, 30]), [0, 1, 0, 1], [2]);
    await engine.fit(g, data, { epochs: 1, batchSize: 4, optimizer: 'sgd', learningRate: 0 });
    const mm = g.node('bn').weight('movingMean').tensor.data as Float32Array;
    const mv = g.node('bn').weight('movingVariance').tensor.data as Float32Array;
    // moving = 0.5 · initial + 0.5 · batch (mean 4 and 30, biased variance 5 and 350)
    expect(mm[0]).toBeCloseTo(2, 4);
    expect(mm[1]).toBeCloseTo(15, 3);
    expect(mv[0]).toBeCloseTo(0.5 + 2.5, 4);
    expect(mv[1]).toBeCloseTo(0.5 + 175, 2);
  });

  test('Dropout is active in training only', async () => {
    const b = new GraphBuilder('drop', { seed: 1 });
    const x = b.input('x', [-1, 400]);
    const g = b.build(b.layer('Dropout', 'drop', x, { rate: 0.25 }));
    const compiled = engine.compile(g);
    const ones = tf.ones([1, 400]);
    const run = (training: boolean, seed: number): Float32Array =>
      tf.tidy(
        () =>
          compiled
            .run([ones], {
              training,
              seed,
              info: { step: 1, epoch: 0, training },
              params: new Map(),
            })[0]!
            .dataSync() as Float32Array,
      );
    const t1 = run(true, 1);
    const zeros = t1.filter((v) => v === 0).length;
    expect(zeros).toBeGreaterThan(60);
    expect(zeros).toBeLessThan(140);
    expect(t1.filter((v) => v !== 0).every((v) => Math.abs(v - 1 / 0.75) < 1e-6)).toBe(true);
    expect(Array.from(run(true, 1))).toEqual(Array.from(t1));
    expect(Array.from(run(true, 2))).not.toEqual(Array.from(t1));
    expect(Array.from(run(false, 1)).every((v) => v === 1)).toBe(true);
    ones.dispose();
  });

  test('cancellation through an AbortSignal: CancelledError, weights untouched, no leaks', async () => {
    const g = smallNet(3);
    const before = snapshot(g);
    const start = tf.memory().numTensors;
    const controller = new AbortController();
    await expect(
      engine.fit(g, bands(64, 8), {
        epochs: 3,
        batchSize: 8,
        signal: controller.signal,
        callbacks: { onStepEnd: (info) => void (info.step === 3 && controller.abort()) },
      }),
    ).rejects.toBeInstanceOf(CancelledError);
    snapshot(g).forEach((w, i) => expect(Array.from(w)).toEqual(Array.from(before[i]!)));
    expect(tf.memory().numTensors).toBe(start);
  });

  test('reports progress per epoch: loss, accuracy, samples/s, ETA', async () => {
    const updates: [number, ProgressInfo | undefined][] = [];
    let finished = false;
    const progress: ProgressReporter = {
      start: (label, total) => {
        // Labelled by what runs (the pass manager prefixes the pass name), not by the model.
        expect(label).toBe('fine-tune');
        expect(total).toBe(2);
        return {
          update: (done, info) => void updates.push([done, info]),
          finish: () => void (finished = true),
        };
      },
    };
    await engine.fit(smallNet(), bands(32, 9), {
      epochs: 2,
      batchSize: 16,
      progress,
      label: 'fine-tune',
    });
    expect(updates.map((u) => u[0])).toEqual([1, 2]);
    expect(Object.keys(updates[0]![1]!)).toEqual(
      expect.arrayContaining(['loss', 'accuracy', 'samples/s', 'eta']),
    );
    expect(finished).toBe(true);
  });

  test('trains the reference CNN on MNIST digits quickly to well above chance', async () => {
    const g = referenceCnn(0);
    const { train, test: t } = loadMnistDigits();
    await engine.fit(g, take(train, 640), { epochs: 1, batchSize: 64, seed: 1 });
    expect((await engine.evaluate(g, take(t, 300))).accuracy).toBeGreaterThan(0.4);
  }, 30000);
});

describe('transforms', () => {
  /** Mask stage: zero the first half of every kernel; records calls. */
  function halfMask(log: string[]): WeightTransform {
    return {
      name: 'half-mask',
      stage: 'mask',
      appliesTo: (t) => t.capabilities.prunable,
      create: (target, raw) => {
        const n = raw.size;
        const mask = tf.tensor(
          Float32Array.from({ length: n }, (_, i) => (i < n / 2 ? 0 : 1)),
          raw.shape,
        );
        let steps = 0;
        return {
          forward: (w, info) => {
            log.push(`mask:${target.node.name}:${info.training}`);
            return tf.mul(w, mask);
          },
          afterStep: () => void steps++,
          strip: (weight: Weight) => {
            weight.annotations.mask = {
              mask: {
                dtype: 'uint8',
                shape: [...raw.shape],
                data: Uint8Array.from({ length: n }, (_, i) => (i < n / 2 ? 0 : 1)),
              },
            } as never;
            log.push(`strip-mask:${target.node.name}:${steps}`);
          },
          dispose: () => mask.dispose(),
        };
      },
    };
  }

  /** Quantize stage with its own trainable scale (identity at init). */
  function scaled(log: string[]): WeightTransform {
    return {
      name: 'scaled',
      stage: 'quantize',
      appliesTo: (t) => t.node.name === 'logits' && t.slot === 'kernel',
      create: () => {
        const one = tf.scalar(1);
        const s = tf.variable(one, true);
        one.dispose();
        return {
          forward: (w) => {
            log.push('quantize');
            return tf.mul(w, s);
          },
          trainableVariables: () => [s],
          strip: () => void log.push(`strip-quantize:${s.dataSync()[0] !== 1}`),
          dispose: () => s.dispose(),
        };
      },
    };
  }

  test('weight transforms stack mask → quantize, train their variables and strip into the IR', async () => {
    const log: string[] = [];
    const g = smallNet(4);
    const start = tf.memory().numTensors;
    // Listed in the "wrong" order on purpose: the engine orders by stage.
    await engine.fit(g, bands(64, 10), {
      epochs: 1,
      batchSize: 16,
      weightTransforms: [scaled(log), halfMask(log)],
    });
    expect(tf.memory().numTensors).toBe(start);
    const firstLogitsForward = log.findIndex((l) => l === 'mask:logits:true');
    expect(log[firstLogitsForward + 1]).toBe('quantize');
    expect(log).toContain('strip-mask:conv:4');
    expect(log).toContain('strip-quantize:true');
    expect(log.indexOf('strip-mask:logits:4')).toBeLessThan(log.indexOf('strip-quantize:true'));
    const k = g.node('conv').weight('kernel');
    const data = k.tensor.data as Float32Array;
    expect(data.subarray(0, data.length / 2).every((v) => v === 0)).toBe(true);
    expect(k.annotations.mask).toBeDefined();
  });

  test('predict honours weight transforms in inference mode', async () => {
    const log: string[] = [];
    const g = smallNet(6);
    const x = floatTensor([1, 8, 8, 1], new Float32Array(64).fill(0.5));
    const masked = await engine.predict(g, [x], { weightTransforms: [halfMask(log)] });
    expect(log.every((l) => !l.startsWith('mask:') || l.endsWith(':false'))).toBe(true);
    const plain = await engine.predict(g, [x]);
    expect(Array.from(masked[0]!.data as Float32Array)).not.toEqual(
      Array.from(plain[0]!.data as Float32Array),
    );
    expect(g.node('conv').weight('kernel').annotations.mask).toBeUndefined();
  });

  test('activation transforms wrap node outputs in training and inference and strip into values', async () => {
    const seen: boolean[] = [];
    let stripped: string | undefined;
    const clip: ActivationTransform = {
      name: 'clip',
      appliesTo: (t) => t.producer.name === 'conv',
      create: () => ({
        forward: (x, info) => {
          seen.push(info.training);
          return tf.clipByValue(x, 0, 0.5);
        },
        strip: (value) => void (stripped = value.name),
        dispose: () => {},
      }),
    };
    const g = smallNet(7);
    await engine.fit(g, bands(32, 11), { epochs: 1, batchSize: 16, activationTransforms: [clip] });
    expect(seen).toContain(true);
    expect(stripped).toBe('conv');
    seen.length = 0;
    await engine.evaluate(g, bands(8, 12), { activationTransforms: [clip] });
    expect(seen).toEqual([false]);
  });
});

describe('training every op on wasm matches the cpu backend', () => {
  function everyOpNet(): Graph {
    const b = new GraphBuilder('every', { seed: 11 });
    const x = b.input('x', [-1, 8, 8, 2]);
    const c = b.layer('Conv2D', 'conv', x, {
      filters: 3,
      kernelSize: [3, 3],
      strides: [2, 2],
      padding: 'same',
      activation: 'relu6',
    });
    const d = b.layer('DepthwiseConv2D', 'dw', x, {
      depthMultiplier: 2,
      kernelSize: [3, 3],
      padding: 'same',
      activation: 'swish',
    });
    const dil = b.layer('Conv2D', 'dilated', x, {
      filters: 2,
      kernelSize: [3, 3],
      dilations: [2, 2],
      padding: 'same',
      activation: 'elu',
    });
    const s = b.layer('SeparableConv2D', 'sep', d, {
      filters: 3,
      kernelSize: [3, 3],
      strides: [2, 2],
      padding: 'same',
    });
    const up = b.layer('Conv2DTranspose', 'deconv', s, {
      filters: 2,
      kernelSize: [3, 3],
      strides: [2, 2],
      padding: 'same',
    });
    const cat = b.layer('Concat', 'cat', [up, dil, x]);
    const bn = b.layer('BatchNorm', 'bn', cat);
    const ap = b.layer('AvgPool2D', 'avg', bn, {
      poolSize: [3, 3],
      strides: [2, 2],
      padding: 'same',
    });
    const sum = b.layer(
      'Add',
      'add',
      [ap, b.layer('Conv2D', 'proj', c, { filters: 6, kernelSize: [1, 1] })],
      { activation: 'hard_swish' },
    );
    const ln = b.layer('LayerNorm', 'ln', sum);
    // Max pooling before the upsampling: tied maxima (repeated pixels) would route gradients differently per backend.
    const padded = b.layer('Pad', 'pad', ln, {
      padding: [
        [1, 0],
        [0, 1],
      ],
    });
    const mp = b.layer('MaxPool2D', 'mp', padded, {
      poolSize: [3, 3],
      strides: [2, 2],
      padding: 'same',
    });
    const bil = b.layer('Upsample2D', 'bil', mp, { interpolation: 'bilinear' });
    const gap = b.layer('GlobalAvgPool', 'gap', bil);
    const dn = b.layer('Dense', 'hidden', gap, { units: 5, activation: 'gelu' });
    const mul = b.layer('Mul', 'mul', [
      dn,
      b.layer('Activation', 'sig', dn, { activation: 'sigmoid' }),
    ]);
    return b.build(b.layer('Dense', 'logits', mul, { units: 3, activation: 'softmax' }));
  }

  test('one SGD step gives the same weights on both backends', async () => {
    const cpu = await createEngine({ backend: 'cpu', logger: silentLogger });
    const rng = createRng(3);
    const data = createDataset(
      Float32Array.from({ length: 6 * 128 }, () => rng.uniform(-1, 1)),
      [0, 1, 2, 0, 1, 2],
      [8, 8, 2],
    );
    const results: Float32Array[][] = [];
    for (const e of [cpu, engine]) {
      const g = everyOpNet();
      await e.fit(g, data, { epochs: 1, batchSize: 6, optimizer: 'sgd', learningRate: 0.5 });
      results.push(snapshot(g));
    }
    const initial = snapshot(everyOpNet());
    const names0 = [...everyOpNet().weights()].map(({ node, slot }) => `${node.name}/${slot}`);
    const bad: string[] = [];
    results[0]!.forEach((w, i) => {
      let diff = 0;
      let moved = 0;
      for (let j = 0; j < w.length; j++) {
        diff = Math.max(diff, Math.abs(w[j]! - results[1]![i]![j]!));
        moved = Math.max(moved, Math.abs(w[j]! - initial[i]![j]!));
      }
      if (diff >= 1e-4 + 1e-3 * moved) bad.push(`${names0[i]} differs by ${diff} (moved ${moved})`);
    });
    expect(bad).toEqual([]);
    // Every trainable weight received a gradient.
    const names = [...everyOpNet().weights()].map(({ node, slot }) => `${node.name}/${slot}`);
    const unmoved = names.filter(
      (n, i) => !n.includes('moving') && results[1]![i]!.every((v, j) => v === initial[i]![j]),
    );
    expect(unmoved).toEqual([]);
    expect(sizeOf([1])).toBe(1);
  }, 60000);
});

test('fused conv/dense kernels train exactly like the unfused ones', async () => {
  const data = bands(48, 21);
  const run = async (fused: boolean): Promise<Float32Array[]> => {
    FUSION.mode = fused ? 'on' : 'off';
    try {
      const g = smallNet(9);
      await engine.fit(g, data, { epochs: 1, batchSize: 16, seed: 2 });
      return snapshot(g);
    } finally {
      FUSION.mode = 'auto';
    }
  };
  const fused = await run(true);
  const plain = await run(false);
  fused.forEach((w, i) =>
    w.forEach((v, j) => expect(Math.abs(v - plain[i]![j]!)).toBeLessThan(1e-5)),
  );
});

test('a fused ReLU moved after its max pool trains and predicts exactly like in place', async () => {
  const data = bands(48, 23);
  expect(reluPoolPairs(smallNet(9), defaultOpRegistry, engine.kernels).size).toBe(1);
  const run = async (moved: boolean): Promise<Float32Array[]> => {
    RELU_AFTER_POOL.enabled = moved;
    try {
      const g = smallNet(9);
      await engine.fit(g, data, { epochs: 1, batchSize: 16, seed: 2 });
      const [p] = await engine.predict(g, [floatTensor([4, 8, 8, 1], data.x.subarray(0, 4 * 64))]);
      return [...snapshot(g), p!.data as Float32Array];
    } finally {
      RELU_AFTER_POOL.enabled = true;
    }
  };
  const moved = await run(true);
  const inPlace = await run(false);
  moved.forEach((w, i) =>
    w.forEach((v, j) => expect(Math.abs(v - inPlace[i]![j]!)).toBeLessThan(1e-6)),
  );
});
