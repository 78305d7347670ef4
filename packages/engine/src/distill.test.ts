import {
  CancelledError,
  GraphBuilder,
  createRng,
  silentLogger,
  sizeOf,
  type Graph,
  type Value,
} from '@collabopt/core';
import {
  DataError,
  createDataset,
  createEngine,
  type DataSource,
  type Dataset,
  type Engine,
  type LabelInfo,
  tf,
} from './index';

// Training runs take a few seconds each, more on a loaded machine.
jest.setTimeout(60_000);

let engine: Engine;
beforeAll(async () => {
  engine = await createEngine({ backend: 'wasm', logger: silentLogger });
});

/** A classifier over 8×8×1 with a softmax head. */
function classifier(seed: number): Graph {
  const b = new GraphBuilder('cls', { seed });
  let h: Value = b.input('x', [-1, 8, 8, 1]);
  h = b.layer('Conv2D', 'conv', h, {
    filters: 4,
    kernelSize: [3, 3],
    padding: 'same',
    activation: 'relu',
  });
  h = b.layer('MaxPool2D', 'pool', h);
  h = b.layer('Flatten', 'flat', h);
  return b.build(b.layer('Dense', 'probs', h, { units: 3, activation: 'softmax' }));
}

/** Two heads over a 6-vector: a 3-class softmax and a 2-value linear regression. */
function twoHeads(seed: number): Graph {
  const b = new GraphBuilder('two', { seed });
  const x = b.input('x', [-1, 6]);
  const h = b.layer('Dense', 'hidden', x, { units: 16, activation: 'relu' });
  const cls = b.layer('Dense', 'cls', h, { units: 3, activation: 'softmax' });
  const box = b.layer('Dense', 'box', h, { units: 2 });
  return b.build([cls, box]);
}

function bands(count: number, seed: number): Dataset {
  const rng = createRng(seed);
  const x = new Float32Array(count * 64);
  const y = new Int32Array(count);
  for (let i = 0; i < count; i++) {
    const c = rng.int(3);
    y[i] = c;
    for (let p = 0; p < 64; p++)
      x[i * 64 + p] = (Math.floor(Math.floor(p / 8) / 3) === c ? 0.8 : 0.1) + 0.2 * rng.next();
  }
  return createDataset(x, y, [8, 8, 1], 'bands');
}

/** An in-memory data source with the given labels (or none). */
function source(
  x: Float32Array,
  sampleShape: number[],
  labels?: { info: LabelInfo; classes?: Int32Array; targets?: Float32Array },
  origin = 'memory.npz',
): DataSource {
  const per = sizeOf(sampleShape);
  const count = x.length / per;
  const width = labels?.info.kind === 'dense' ? sizeOf(labels.info.shape) : 0;
  return {
    name: 'mem',
    count,
    sampleShape,
    origin,
    ...(labels ? { labels: labels.info } : {}),
    async read(indices) {
      const idx = Array.from(indices as ArrayLike<number>);
      const bx = new Float32Array(idx.length * per);
      idx.forEach((j, i) => bx.set(x.subarray(j * per, (j + 1) * per), i * per));
      const out: { x: Float32Array; size: number; classes?: Int32Array; targets?: Float32Array } = {
        x: bx,
        size: idx.length,
      };
      if (labels?.classes) out.classes = Int32Array.from(idx, (j) => labels.classes![j]!);
      if (labels?.targets) {
        const t = new Float32Array(idx.length * width);
        idx.forEach((j, i) =>
          t.set(labels.targets!.subarray(j * width, (j + 1) * width), i * width),
        );
        out.targets = t;
      }
      return out;
    },
  };
}

const random = (n: number, seed: number): Float32Array => {
  const rng = createRng(seed);
  return Float32Array.from({ length: n }, () => rng.next() * 2 - 1);
};

describe('distillation without labels', () => {
  test('a student approaches its teacher on unlabelled data (top-1 agreement and accuracy)', async () => {
    const teacher = classifier(1);
    const labelled = bands(240, 1);
    await engine.fit(teacher, labelled, { epochs: 4, batchSize: 32, learningRate: 0.01, seed: 1 });
    const test = bands(150, 2);
    const teacherAccuracy = (await engine.evaluate(teacher, test)).accuracy;
    expect(teacherAccuracy).toBeGreaterThan(0.9);

    const unlabelled = source(bands(240, 3).x, [8, 8, 1]);
    const student = classifier(7);
    const before = await engine.evaluate(student, unlabelled, { teacher });
    expect(before.metric.name).toBe('top1Agreement');
    expect(before.accuracy).toBeUndefined();
    const { history } = await engine.fit(student, unlabelled, {
      epochs: 5,
      batchSize: 32,
      learningRate: 0.01,
      seed: 2,
      teacher,
      temperature: 2,
    });
    expect(Number.isNaN(history[0]!.accuracy)).toBe(true);
    expect(history[4]!.loss).toBeLessThan(history[0]!.loss / 2);
    const after = await engine.evaluate(student, source(test.x, [8, 8, 1]), { teacher });
    const agreement = after.agreement![0]!;
    expect(agreement.head).toBe('softmax');
    expect(agreement.top1Agreement!).toBeGreaterThan(Math.max(0.9, before.metric.value));
    expect(agreement.sqnrDb).toBeGreaterThan(before.agreement![0]!.sqnrDb);
    // never saw a label, yet classifies like the teacher
    expect((await engine.evaluate(student, test)).accuracy).toBeGreaterThan(0.85);
  });

  test('multi-output graphs: KL on the softmax head, MSE on the linear head, both get closer', async () => {
    const teacher = twoHeads(1);
    const student = twoHeads(2);
    const data = source(random(6 * 256, 5), [6]);
    const before = await engine.evaluate(student, data, { teacher });
    expect(before.agreement!.map((a) => a.head)).toEqual(['softmax', 'linear']);
    expect(before.agreement![1]!.top1Agreement).toBeUndefined();
    await engine.fit(student, data, { epochs: 30, batchSize: 32, learningRate: 0.01, teacher });
    const after = await engine.evaluate(student, data, { teacher });
    expect(after.metric.name).toBe('sqnrDb');
    for (let i = 0; i < 2; i++) {
      expect(after.agreement![i]!.sqnrDb).toBeGreaterThan(before.agreement![i]!.sqnrDb + 6);
      expect(after.agreement![i]!.maxRelativeError).toBeLessThan(
        before.agreement![i]!.maxRelativeError,
      );
    }
    expect(after.metric.value).toBe(Math.min(...after.agreement!.map((a) => a.sqnrDb)));
  });

  test('leaks no tensors when distilling and measuring agreement', async () => {
    const teacher = twoHeads(1);
    const student = twoHeads(2);
    const data = source(random(6 * 64, 6), [6]);
    const start = tf.memory().numTensors;
    await engine.fit(student, data, { epochs: 2, batchSize: 16, teacher, validation: data });
    await engine.evaluate(student, data, { teacher });
    expect(tf.memory().numTensors).toBe(start);
  });

  test('the teacher must match the student', async () => {
    await expect(
      engine.fit(twoHeads(2), source(random(6 * 8, 1), [6]), {
        epochs: 1,
        batchSize: 4,
        teacher: classifier(1),
      }),
    ).rejects.toThrow(/same inputs and outputs/);
  });
});

describe('label losses for any head', () => {
  test('regression with MSE on dense targets; mixed with distillation', async () => {
    const b = new GraphBuilder('reg', { seed: 3 });
    const g = b.build(b.layer('Dense', 'out', b.input('x', [-1, 4]), { units: 2 }));
    const x = random(4 * 128, 2);
    const targets = new Float32Array(2 * 128);
    for (let i = 0; i < 128; i++) {
      targets[2 * i] = x[4 * i]! + 0.5 * x[4 * i + 1]!;
      targets[2 * i + 1] = x[4 * i + 2]! - x[4 * i + 3]!;
    }
    const data = source(x, [4], { info: { kind: 'dense', shape: [2] }, targets });
    const before = await engine.evaluate(g, data);
    const teacher = (() => {
      const bt = new GraphBuilder('reg', { seed: 3 });
      return bt.build(bt.layer('Dense', 'out', bt.input('x', [-1, 4]), { units: 2 }));
    })();
    const { history } = await engine.fit(g, data, {
      epochs: 40,
      batchSize: 32,
      learningRate: 0.05,
    });
    const after = await engine.evaluate(g, data);
    expect(after.metric.name).toBe('loss');
    expect(after.loss!).toBeLessThan(before.loss! / 20);
    expect(history[39]!.loss).toBeLessThan(history[0]!.loss);
    const mixed = await engine.fit(g, data, { epochs: 1, batchSize: 32, teacher, distill: 0.5 });
    expect(Number.isFinite(mixed.history[0]!.loss)).toBe(true);
  });

  test('multi-label sigmoid head trains with binary cross-entropy', async () => {
    const b = new GraphBuilder('ml', { seed: 4 });
    const g = b.build(
      b.layer('Dense', 'out', b.input('x', [-1, 3]), { units: 3, activation: 'sigmoid' }),
    );
    const x = random(3 * 96, 8);
    const targets = Float32Array.from(x, (v) => (v > 0 ? 1 : 0));
    const data = source(x, [3], { info: { kind: 'dense', shape: [3] }, targets });
    const before = await engine.evaluate(g, data);
    await engine.fit(g, data, { epochs: 30, batchSize: 32, learningRate: 0.05 });
    const after = await engine.evaluate(g, data);
    expect(after.loss!).toBeLessThan(before.loss! / 2);
  });

  test('one-hot targets on a softmax head use cross-entropy', async () => {
    const d = bands(96, 9);
    const oneHot = new Float32Array(96 * 3);
    d.y.forEach((c, i) => (oneHot[i * 3 + c] = 1));
    const g = classifier(3);
    const data = source(d.x, [8, 8, 1], { info: { kind: 'dense', shape: [3] }, targets: oneHot });
    const { history } = await engine.fit(g, data, { epochs: 4, batchSize: 16, learningRate: 0.01 });
    expect(history[3]!.loss).toBeLessThan(history[0]!.loss);
    expect((await engine.evaluate(g, d)).accuracy).toBeGreaterThan(0.8);
  });
});

describe('bad data reaches the trainer as typed errors naming the file', () => {
  test('labels outside the model classes, fewer samples than a batch, wrong sample shape', async () => {
    const x = bands(20, 1).x;
    const five = source(
      x,
      [8, 8, 1],
      { info: { kind: 'class', numClasses: 5 }, classes: new Int32Array(20).fill(4) },
      'five.npz',
    );
    const e1 = await engine
      .fit(classifier(1), five, { epochs: 1, batchSize: 4 })
      .catch((e: unknown) => e);
    expect(e1).toBeInstanceOf(DataError);
    expect((e1 as DataError).code).toBe('DATA_LABELS');
    expect((e1 as DataError).message).toContain('five.npz');
    const unknown = source(
      x,
      [8, 8, 1],
      { info: { kind: 'class' }, classes: new Int32Array(20).fill(7) },
      'seven.npz',
    );
    await expect(engine.evaluate(classifier(1), unknown)).rejects.toThrow(
      /label 7 of sample 0.*seven\.npz/,
    );
    const e2 = await engine
      .fit(classifier(1), source(x, [8, 8, 1]), {
        epochs: 1,
        batchSize: 32,
        teacher: classifier(2),
      })
      .catch((e: unknown) => e);
    expect((e2 as DataError).code).toBe('DATA_TOO_SMALL');
    const e3 = await engine
      .evaluate(classifier(1), source(x, [64]), { teacher: classifier(2) })
      .catch((e: unknown) => e);
    expect((e3 as DataError).code).toBe('DATA_SHAPE');
    await expect(engine.evaluate(classifier(1), source(x, [8, 8, 1]))).rejects.toThrow(/no labels/);
    const dense = source(random(6 * 4, 1), [6], {
      info: { kind: 'dense', shape: [3] },
      targets: new Float32Array(12),
    });
    await expect(engine.evaluate(twoHeads(1), dense)).rejects.toThrow(/cannot be scored/);
  });
});

describe('cancellation', () => {
  test('an abort raised on the event loop stops fit before the next batch', async () => {
    const g = classifier(1);
    const ac = new AbortController();
    let steps = 0;
    const run = engine.fit(g, bands(64, 1), {
      epochs: 100,
      batchSize: 8,
      signal: ac.signal,
      callbacks: {
        onStepEnd: () => {
          // Like a SIGINT handler: runs only when the loop gives the event loop a turn.
          if (++steps === 3) setImmediate(() => ac.abort());
        },
      },
    });
    await expect(run).rejects.toBeInstanceOf(CancelledError);
    expect(steps).toBe(3);
  });

  test('predict and evaluate see an abort between batches', async () => {
    const ac = new AbortController();
    setImmediate(() => ac.abort());
    await expect(
      engine.evaluate(classifier(1), bands(64, 2), { batchSize: 1, signal: ac.signal }),
    ).rejects.toBeInstanceOf(CancelledError);
    const ac2 = new AbortController();
    ac2.abort();
    const { floatTensor } = await import('@collabopt/core');
    await expect(
      engine.predict(classifier(1), [floatTensor([2, 8, 8, 1], new Float32Array(128))], {
        signal: ac2.signal,
      }),
    ).rejects.toBeInstanceOf(CancelledError);
  });
});
