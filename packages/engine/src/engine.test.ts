import { GraphBuilder, floatTensor, silentLogger, type PassContext } from '@collabopt/core';
import {
  createDataset,
  createEngine,
  getDataset,
  getEngine,
  loadMnistDigits,
  referenceCnn,
  take,
  type Engine,
} from './index';

let engine: Engine;
beforeAll(async () => {
  engine = await createEngine({ backend: 'wasm', logger: silentLogger });
});

function identityClassifier(softmax: boolean) {
  const b = new GraphBuilder('id');
  const x = b.input('x', [-1, 3]);
  const eye = floatTensor([3, 3], [1, 0, 0, 0, 1, 0, 0, 0, 1]);
  const d = b.layer(
    'Dense',
    'logits',
    x,
    { units: 3, useBias: false, ...(softmax ? { activation: 'softmax' } : {}) },
    { kernel: eye },
  );
  return b.build(d);
}

describe('engine', () => {
  test('reports its backend and the reason', () => {
    expect(engine.backend).toBe('wasm');
    expect(engine.backendReason).toMatch(/backend option/);
  });

  test('predict runs the reference CNN in batches', async () => {
    const g = referenceCnn(3);
    const { test: t } = loadMnistDigits();
    const x = floatTensor([10, 28, 28, 1], t.x.subarray(0, 7840));
    const whole = await engine.predict(g, [x]);
    const batched = await engine.predict(g, [x], { batchSize: 3 });
    expect(whole[0]!.shape).toEqual([10, 10]);
    for (let i = 0; i < 100; i++)
      expect(batched[0]!.data[i]).toBeCloseTo(Number(whole[0]!.data[i]), 5);
  });

  test('evaluate: loss, accuracy and confusion of a known classifier', async () => {
    const data = createDataset(
      new Float32Array([3, 0, 0, 0, 3, 0, 0, 0, 3, 3, 0, 0]),
      [0, 1, 2, 1],
      [3],
    );
    for (const softmax of [false, true]) {
      const r = await engine.evaluate(identityClassifier(softmax), data);
      expect(r.count).toBe(4);
      expect(r.accuracy).toBe(0.75);
      expect(r.confusion[1]).toEqual([1, 1, 0]);
      const right = -Math.log(Math.exp(3) / (Math.exp(3) + 2));
      const wrong = -Math.log(1 / (Math.exp(3) + 2));
      expect(r.loss).toBeCloseTo((3 * right + wrong) / 4, 4);
    }
  });

  test('evaluate rejects labels outside the classes and wrong sample shapes', async () => {
    await expect(
      engine.evaluate(identityClassifier(false), createDataset(new Float32Array(3), [5], [3])),
    ).rejects.toThrow(/outside/);
    await expect(
      engine.evaluate(identityClassifier(false), createDataset(new Float32Array(4), [0], [4])),
    ).rejects.toThrow(/expects samples/);
  });

  test('untrained reference CNN is near chance on MNIST digits', async () => {
    const r = await engine.evaluate(referenceCnn(0), take(loadMnistDigits().test, 200));
    expect(r.accuracy).toBeLessThan(0.4);
    expect(r.loss).toBeGreaterThan(1.5);
  });

  test('getEngine/getDataset read the pass context', async () => {
    const data = createDataset(new Float32Array(3), [0], [3]);
    const ctx = { engine, data: { train: data } } as unknown as PassContext;
    expect(await getEngine(ctx)).toBe(engine);
    expect(getDataset(ctx, 'train')).toBe(data);
    expect(getDataset(ctx, 'calibration')).toBeUndefined();
    expect(() => getDataset({ data: { test: [1, 2] } } as unknown as PassContext, 'test')).toThrow(
      /not a Dataset/,
    );
    await expect(getEngine({ engine: {} } as unknown as PassContext)).rejects.toThrow(
      /not a collabopt Engine/,
    );
  });
});
