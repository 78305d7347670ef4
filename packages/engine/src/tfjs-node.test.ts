/** Runs only where tfjs-node is installed (tools/setup-tfjs-node); skipped otherwise. */
import { GraphBuilder, createRng, silentLogger, type Graph } from '@collabopt/core';
import { activateBackend, createDataset, createEngine, tf } from './index';

let available = false;
beforeAll(async () => {
  try {
    await activateBackend('tensorflow');
    available = true;
  } catch {
    available = false;
  }
});

function net(): Graph {
  const b = new GraphBuilder('n', { seed: 4 });
  const x = b.input('x', [-1, 6, 6, 2]);
  const c = b.layer('Conv2D', 'conv', x, {
    filters: 3,
    kernelSize: [3, 3],
    padding: 'same',
    activation: 'relu',
  });
  const d = b.layer('DepthwiseConv2D', 'dw', c, {
    kernelSize: [3, 3],
    strides: [2, 2],
    padding: 'same',
  });
  const p = b.layer('MaxPool2D', 'pool', d, { padding: 'same' });
  return b.build(b.layer('Dense', 'logits', b.layer('Flatten', 'f', p), { units: 3 }));
}

test('tfjs-node: the Step fix keeps Step semantics (NaN, alpha)', async () => {
  if (!available) return;
  await activateBackend('tensorflow');
  const x = tf.tensor1d([-2, 0, 3, NaN]);
  expect(Array.from(tf.step(x).dataSync())).toEqual([0, 0, 1, NaN]);
  expect(Array.from(tf.step(x, 0.25).dataSync())).toEqual([0.25, 0.25, 1, NaN]);
  x.dispose();
});

test('tfjs-node: one SGD step matches the wasm backend', async () => {
  if (!available) return;
  const rng = createRng(1);
  const data = createDataset(
    Float32Array.from({ length: 4 * 72 }, () => rng.uniform(-1, 1)),
    [0, 1, 2, 1],
    [6, 6, 2],
  );
  const out: Float32Array[][] = [];
  for (const backend of ['tensorflow', 'wasm'] as const) {
    const e = await createEngine({ backend, logger: silentLogger });
    const g = net();
    await e.fit(g, data, { epochs: 1, batchSize: 4, optimizer: 'sgd', learningRate: 0.3 });
    out.push([...g.weights()].map(({ weight }) => weight.tensor.data as Float32Array));
  }
  out[0]!.forEach((w, i) =>
    w.forEach((v, j) => expect(Math.abs(v - out[1]![i]![j]!)).toBeLessThan(1e-4)),
  );
});
