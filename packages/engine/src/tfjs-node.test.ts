/** Runs only where tfjs-node is installed (tools/setup-tfjs-node); skipped otherwise. */
import { GraphBuilder, createRng, silentLogger, type Graph } from '@collabopt/core';
import { activateBackend, createDataset, createEngine, tf } from './index';
import { depthwiseNhwc, dilateKernel } from './builtin-kernels';
import { fusedConv2d } from './fused';
import { meanCrossEntropy } from './loss';
import { batchNormTraining } from './tfjs-node-batchnorm';
import { biasAdd } from './tfjs-node-kernels';
import { maxPoolKeepingWorkspace } from './tfjs-node-onednn';

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

/** Values and gradients of `f` on tfjs-node and on the cpu backend (the reference). */
async function onBothBackends(
  f: (inputs: tf.Tensor[]) => tf.Tensor,
  make: () => tf.Tensor[],
): Promise<{ node: Float32Array[]; cpu: Float32Array[] }> {
  const run = async (backend: 'tensorflow' | 'cpu'): Promise<Float32Array[]> => {
    await activateBackend(backend);
    return tf.tidy(() => {
      const inputs = make();
      const { value, grads } = tf.valueAndGrads((...xs: tf.Tensor[]) => f(xs) as tf.Scalar)(inputs);
      return [value, ...grads].map((t) => t.dataSync() as Float32Array);
    });
  };
  const node = await run('tensorflow');
  const cpu = await run('cpu');
  await activateBackend('tensorflow');
  return { node, cpu };
}

/** Elementwise |a − b| < tol, relative for |b| > 1. */
function expectClose(a: Float32Array[], b: Float32Array[], tol: number): void {
  expect(a.length).toBe(b.length);
  a.forEach((t, i) => {
    expect(t.length).toBe(b[i]!.length);
    t.forEach((v, j) =>
      expect(Math.abs(v - b[i]![j]!)).toBeLessThan(tol * Math.max(1, Math.abs(b[i]![j]!))),
    );
  });
}

function randomInputs(seed: number, shapes: number[][], scale = 2): () => tf.Tensor[] {
  return () => {
    const rng = createRng(seed);
    return shapes.map((s) =>
      tf.tensor(
        Float32Array.from({ length: s.reduce((a, d) => a * d, 1) }, () =>
          rng.uniform(-scale, scale),
        ),
        s,
      ),
    );
  };
}

test('tfjs-node: ReluGrad / Relu6Grad / BiasAdd(Grad) kernels match the cpu backend', async () => {
  if (!available) return;
  // Exact zeros exercise the x = 0 edge (gradient 0, like TF.js's Step).
  const make = (): tf.Tensor[] => {
    const [x, b, w] = randomInputs(3, [[2, 5, 4, 6], [6], [2, 5, 4, 6]], 7)();
    return [tf.round(x!), b!, w!];
  };
  const { node, cpu } = await onBothBackends(
    ([x, b, w]) =>
      tf.add(
        tf.sum(tf.mul(tf.relu(biasAdd(x!, b!)), w!)),
        tf.sum(tf.mul(tf.relu6(biasAdd(tf.reshape(x!, [40, 6]), b!)), tf.reshape(w!, [40, 6]))),
      ),
    make,
  );
  expectClose(node, cpu, 1e-4);
  expect(cpu[2]!.some((v) => v !== 0)).toBe(true);
});

test('tfjs-node: fused sparse softmax cross-entropy matches the composed loss on cpu', async () => {
  if (!available) return;
  const labels = [0, 3, 2, 2, 1, 3];
  const { node, cpu } = await onBothBackends(
    ([z]) => tf.mul(meanCrossEntropy(z!, tf.tensor1d(labels, 'int32'), 4), 3),
    randomInputs(5, [[6, 4]], 6),
  );
  expect(node[0]!.length).toBe(1);
  expectClose(node, cpu, 1e-5);
});

test('tfjs-node: oneDNN max pooling matches the cpu backend (values and gradients)', async () => {
  if (!available) return;
  const cases: [number, number, 'valid' | 'same'][] = [
    [2, 2, 'valid'],
    [2, 2, 'same'],
    [3, 2, 'same'],
    [3, 1, 'valid'],
  ];
  for (const [size, stride, pad] of cases) {
    const { node, cpu } = await onBothBackends(
      ([x, w]) => {
        const y = tf.maxPool(x as tf.Tensor4D, size, stride, pad);
        // The training path keeps oneDNN's workspace for the gradient (cpu: plain maxPool again).
        const kept =
          maxPoolKeepingWorkspace(x as tf.Tensor4D, [size, size], [stride, stride], pad) ??
          tf.maxPool(x as tf.Tensor4D, size, stride, pad);
        if (tf.getBackend() === 'tensorflow') expect(kept).not.toBe(undefined);
        const weight = tf.slice(w!, [0, 0, 0, 0], y.shape);
        return tf.add(tf.sum(tf.mul(y, weight)), tf.sum(tf.mul(tf.square(kept), weight)));
      },
      randomInputs(size * 10 + stride, [
        [2, 7, 9, 3],
        [2, 7, 9, 3],
      ]),
    );
    expectClose(node, cpu, 1e-5);
    expect(cpu[1]!.some((v) => v !== 0)).toBe(true);
  }
});

test('tfjs-node: oneDNN convolutions (plain and fused with bias + ReLU) match the cpu backend', async () => {
  if (!available) return;
  const cases: [number, number, 'valid' | 'same'][] = [
    [1, 1, 'valid'],
    [3, 2, 'same'],
    [2, 2, 'valid'],
    [4, 1, 'same'],
    [8, 1, 'valid'],
    [9, 2, 'same'],
  ];
  for (const [cin, stride, pad] of cases) {
    const { node, cpu } = await onBothBackends(
      ([x, k, b, w]) => {
        const fused = fusedConv2d(x as tf.Tensor4D, k as tf.Tensor4D, b, {
          strides: [stride, stride],
          padding: pad,
          activation: 'relu',
        });
        const plain = tf.conv2d(x as tf.Tensor4D, k as tf.Tensor4D, stride, pad);
        const weight = tf.slice(w!, [0, 0, 0, 0], fused.shape);
        return tf.add(tf.sum(tf.mul(fused, weight)), tf.sum(tf.mul(tf.square(plain), weight)));
      },
      randomInputs(cin * 7 + stride, [[2, 9, 8, cin], [3, 3, cin, 5], [5], [2, 9, 8, 5]]),
    );
    expectClose(node, cpu, 1e-4);
  }
});

test('tfjs-node: depthwise convolutions (oneDNN; dilation, unequal strides) match the cpu backend', async () => {
  if (!available) return;
  const cases: [[number, number], [number, number], 'valid' | 'same'][] = [
    [[2, 1], [1, 1], 'same'],
    [[1, 1], [2, 2], 'valid'],
    [[1, 2], [2, 1], 'same'],
    [[1, 1], [1, 1], 'same'],
    [[2, 2], [1, 1], 'same'],
    [[2, 2], [1, 1], 'valid'],
  ];
  for (const [strides, dilations, pad] of cases) {
    const { node, cpu } = await onBothBackends(
      ([x, k, w]) => {
        // The cpu reference spreads the kernel itself (TF.js has no dilated depthwise gradient).
        const y =
          tf.getBackend() === 'cpu'
            ? depthwiseNhwc(
                x as tf.Tensor4D,
                dilateKernel(k as tf.Tensor4D, dilations),
                strides,
                pad,
                [1, 1],
              )
            : depthwiseNhwc(x as tf.Tensor4D, k as tf.Tensor4D, strides, pad, dilations);
        return tf.sum(tf.mul(y, tf.slice(w!, [0, 0, 0, 0], y.shape)));
      },
      randomInputs(strides[0] * 5 + dilations[0], [
        [2, 9, 8, 3],
        [3, 2, 3, 2],
        [2, 9, 8, 6],
      ]),
    );
    expectClose(node, cpu, 1e-4);
  }
});

test('tfjs-node: fused training batch norm matches the composed one on cpu (statistics, gradients)', async () => {
  if (!available) return;
  // Composed reference (what other backends run): batch statistics over all axes but the last.
  const composed = (x: tf.Tensor, g?: tf.Tensor, b?: tf.Tensor) => {
    const axes = [...Array(x.rank - 1).keys()];
    const { mean, variance } = tf.moments(x, axes);
    let y = tf.mul(tf.sub(x, mean), tf.rsqrt(tf.add(variance, 1e-3)));
    if (g !== undefined) y = tf.mul(y, g);
    if (b !== undefined) y = tf.add(y, b);
    return { y, mean, variance };
  };
  const norm = (x: tf.Tensor, g?: tf.Tensor, b?: tf.Tensor) =>
    tf.getBackend() === 'tensorflow' ? batchNormTraining(x, g, b, 1e-3)! : composed(x, g, b);
  for (const [shape, affine] of [
    [[4, 3, 5, 6], true],
    [[4, 3, 5, 6], false],
    [[7, 6], true],
  ] as [number[], boolean][]) {
    const { node, cpu } = await onBothBackends(
      ([x, g, b, w]) => {
        const r = affine ? norm(x!, g!, b!) : norm(x!);
        const loss = tf.sum(tf.mul(r.y, w!));
        // valueAndGrads wants every input used.
        return affine ? loss : tf.add(loss, tf.sum(tf.add(g!, b!)));
      },
      randomInputs(shape.length * 3 + (affine ? 1 : 0), [shape, [6], [6], shape], 3),
    );
    expectClose(node, cpu, 1e-4);
    // The batch statistics feed the moving averages: mean and biased variance.
    const stats: Float32Array[][] = [];
    for (const backend of ['tensorflow', 'cpu'] as const) {
      await activateBackend(backend);
      stats.push(
        tf.tidy(() => {
          const r = norm(randomInputs(1, [shape], 3)()[0]!);
          return [r.mean, r.variance].map((t) => t.dataSync() as Float32Array);
        }),
      );
    }
    await activateBackend('tensorflow');
    expectClose(stats[0]!, stats[1]!, 1e-5);
  }
});
