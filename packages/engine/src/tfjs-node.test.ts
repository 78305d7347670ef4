/** Runs only where tfjs-node is installed (tools/setup-tfjs-node); skipped otherwise. */
import { GraphBuilder, createRng, silentLogger, type Graph } from '@collabopt/core';
import { activateBackend, createDataset, createEngine, tf } from './index';
import { depthwiseNhwc, dilateKernel } from './builtin-kernels';
import { fusedConv2d } from './fused';
import { meanCrossEntropy } from './loss';
import { batchNormTraining } from './tfjs-node-batchnorm';
import { biasAdd } from './tfjs-node-kernels';
import { matMul2d } from './tfjs-node-matmul';
import { maxPoolKeepingWorkspace } from './tfjs-node-onednn';

/** The level the environment set before the backend loaded (normally none). */
const levelBefore = process.env.TF_CPP_MIN_LOG_LEVEL;
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

test("tfjs-node: TensorFlow's INFO logs are off unless the user chose a level", () => {
  if (!available) return;
  // Loading the backend set it before the binding read it; a level the user set stays.
  expect(process.env.TF_CPP_MIN_LOG_LEVEL).toBe(levelBefore ?? '1');
});

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

/** Whether the loaded tfjs-node addon passes list attributes (tools/tfjs-node-attr-lists.patch). */
function addonPassesAttributeLists(): boolean {
  const b = tf.backend() as unknown as {
    binding: Record<string, number>;
    executeSingleOutput(name: string, attrs: unknown[], inputs: tf.Tensor[]): tf.Tensor;
  };
  const [x, w, bias] = [tf.ones([1, 2]), tf.ones([2, 1]), tf.ones([1])];
  try {
    // An Eigen op (not oneDNN) whose fused_ops / TArgs are lists.
    const y = b.executeSingleOutput(
      '_FusedMatMul',
      [
        { name: 'T', type: b.binding['TF_ATTR_TYPE'], value: b.binding['TF_FLOAT'] },
        { name: 'num_args', type: b.binding['TF_ATTR_INT'], value: 1 },
        { name: 'fused_ops', type: b.binding['TF_ATTR_STRING'], value: ['BiasAdd'] },
      ],
      [x, w, bias],
    );
    const ok = y.dataSync()[0] === 3;
    y.dispose();
    return ok;
  } catch {
    return false;
  } finally {
    tf.dispose([x, w, bias]);
  }
}

test('tfjs-node: conv + bias + ReLU is one oneDNN op where the addon passes list attributes', async () => {
  if (!available) return;
  await activateBackend('tensorflow');
  const [x, k, bias] = randomInputs(5, [[2, 9, 8, 3], [3, 3, 3, 4], [4]])() as [
    tf.Tensor4D,
    tf.Tensor4D,
    tf.Tensor,
  ];
  const run = async (): Promise<void> =>
    tf.dispose(fusedConv2d(x, k, bias, { strides: [1, 1], padding: 'same', activation: 'relu' }));
  await run(); // a stock addon fails the fused op once, then takes the two-op path
  const ops = [...(await countTensorFlowOps(run))];
  expect(ops).toEqual(
    addonPassesAttributeLists()
      ? [['_MklNativeFusedConv2D', 1]]
      : [
          ['_MklNativeConv2DWithBias', 1],
          ['Relu', 1],
        ],
  );
  tf.dispose([x, k, bias]);
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

test('tfjs-node: bias-free convolutions (MobileNet-style, before BatchNorm) match the cpu backend', async () => {
  if (!available) return;
  const cases: [number, number, number, 'valid' | 'same'][] = [
    [1, 3, 1, 'same'],
    [16, 1, 1, 'same'],
    [5, 3, 2, 'same'],
    [7, 2, 2, 'valid'],
  ];
  for (const [cin, size, stride, pad] of cases) {
    const { node, cpu } = await onBothBackends(
      ([x, k, w]) => {
        const y = fusedConv2d(x as tf.Tensor4D, k as tf.Tensor4D, undefined, {
          strides: [stride, stride],
          padding: pad,
          activation: 'linear',
        });
        return tf.sum(tf.mul(y, tf.slice(w!, [0, 0, 0, 0], y.shape)));
      },
      randomInputs(cin * 3 + size + stride, [
        [3, 9, 7, cin],
        [size, size, cin, 6],
        [3, 9, 7, 6],
      ]),
    );
    expectClose(node, cpu, 1e-4);
    expect(cpu[2]!.some((v) => v !== 0)).toBe(true);
  }
});

test('tfjs-node: the Mean gradient (BroadcastTo, no uploaded ones) matches the cpu backend', async () => {
  if (!available) return;
  const cases: [number[], number[], boolean][] = [
    [[3, 5, 4, 6], [1, 2], false],
    [[3, 5, 4, 6], [1, 2], true],
    [[4, 7], [0], false],
    [[2, 3, 5], [0, 1, 2], false],
  ];
  for (const [shape, axes, keepDims] of cases) {
    const { node, cpu } = await onBothBackends(
      ([x, w]) => {
        const m = tf.mean(x!, axes, keepDims);
        return tf.sum(tf.mul(m, tf.reshape(tf.slice(tf.reshape(w!, [-1]), 0, m.size), m.shape)));
      },
      randomInputs(shape.length + axes.length, [shape, shape]),
    );
    expectClose(node, cpu, 1e-6);
    expect(cpu[1]!.some((v) => v !== 0)).toBe(true);
  }
});

test('tfjs-node: the rank-2 MatMul kernel matches the cpu backend (values, gradients, transposes)', async () => {
  if (!available) return;
  for (const [transposeA, transposeB] of [
    [false, false],
    [false, true],
    [true, false],
    [true, true],
  ] as const) {
    // op(a) is 5×3, op(b) is 3×4; w weights the output so every gradient entry differs.
    const shapes = [transposeA ? [3, 5] : [5, 3], transposeB ? [4, 3] : [3, 4], [5, 4]];
    const { node, cpu } = await onBothBackends(
      ([a, b, w]) =>
        tf.sum(tf.mul(matMul2d(a as tf.Tensor2D, b as tf.Tensor2D, transposeA, transposeB), w!)),
      randomInputs(7, shapes),
    );
    expectClose(node, cpu, 1e-4);
  }
  // On tfjs-node it is one TensorFlow MatMul, no BatchMatMulV2 and no reshapes.
  const [a, b] = randomInputs(8, [
    [6, 2],
    [2, 3],
  ])() as [tf.Tensor2D, tf.Tensor2D];
  const ops = await countTensorFlowOps(async () => tf.dispose(matMul2d(a, b)));
  expect([...ops]).toEqual([['MatMul', 1]]);
  tf.dispose([a, b]);
});

/** TensorFlow ops executed by `run`, by name (oneDNN ops as TensorFlow registers them). */
async function countTensorFlowOps(run: () => Promise<unknown>): Promise<Map<string, number>> {
  type Execute = (name: string, ...rest: unknown[]) => unknown;
  const backend = tf.backend() as unknown as Record<string, Execute>;
  const counts = new Map<string, number>();
  const stock: Record<string, Execute> = {};
  for (const method of ['executeSingleOutput', 'executeMultipleOutputs']) {
    const original = backend[method]!;
    stock[method] = original;
    backend[method] = function (this: unknown, name, ...rest) {
      counts.set(name, (counts.get(name) ?? 0) + 1);
      return original.call(this, name, ...rest);
    };
  }
  try {
    await run();
  } finally {
    Object.assign(backend, stock);
  }
  return counts;
}

/** Stem conv + BN + ReLU6, an inverted residual block (1×1 expand, DW 3×3, 1×1 project, add), a stride-2 depthwise-separable block, GAP, dense. */
function mobileNetStyle(): Graph {
  const b = new GraphBuilder('m', { seed: 2 });
  const bnRelu6 = (name: string, h: ReturnType<typeof b.input>, relu6 = true) => {
    const n = b.layer('BatchNorm', `${name}_bn`, h);
    return relu6 ? b.layer('Activation', `${name}_relu6`, n, { activation: 'relu6' }) : n;
  };
  const conv = (name: string, h: ReturnType<typeof b.input>, filters: number, size: number) =>
    b.layer('Conv2D', name, h, {
      filters,
      kernelSize: [size, size],
      padding: 'same',
      useBias: false,
    });
  const dw = (name: string, h: ReturnType<typeof b.input>, stride: number) =>
    b.layer('DepthwiseConv2D', name, h, {
      kernelSize: [3, 3],
      strides: [stride, stride],
      padding: 'same',
      useBias: false,
    });
  let h = bnRelu6('stem', conv('stem', b.input('x', [-1, 8, 8, 1]), 8, 3));
  let y = bnRelu6('expand', conv('expand', h, 16, 1));
  y = bnRelu6('dw1', dw('dw1', y, 1));
  y = bnRelu6('project', conv('project', y, 8, 1), false);
  h = b.layer('Add', 'add', [h, y]);
  h = bnRelu6('dw2', dw('dw2', h, 2));
  h = bnRelu6('pw2', conv('pw2', h, 16, 1));
  const p = b.layer('GlobalAvgPool', 'pool', h);
  return b.build(b.layer('Dense', 'logits', p, { units: 3 }));
}

test('tfjs-node: TensorFlow ops per training step of a MobileNet-style model stay within budget', async () => {
  if (!available) return;
  await activateBackend('tensorflow');
  const rng = createRng(3);
  const batch = 8;
  const steps = 4;
  const data = createDataset(
    Float32Array.from({ length: batch * steps * 64 }, () => rng.uniform(0, 1)),
    Array.from({ length: batch * steps }, (_, i) => i % 3),
    [8, 8, 1],
  );
  // The eager step's ops (the graph step runs them all in one TensorFlow session call).
  const engine = await createEngine({
    backend: 'tensorflow',
    logger: silentLogger,
    graphStep: false,
  });
  const g = mobileNetStyle();
  const fit = (maxSteps: number) => () =>
    engine.fit(g, data, { epochs: 1, batchSize: batch, maxSteps, seed: 1 });
  await fit(1)();
  // Per step: the difference between a 4-step and a 1-step run (the per-run work cancels).
  const one = await countTensorFlowOps(fit(1));
  const four = await countTensorFlowOps(fit(steps));
  const perStep = new Map(
    [...four].map(([name, n]) => [name, (n - (one.get(name) ?? 0)) / (steps - 1)]),
  );
  const total = [...perStep.values()].reduce((a, n) => a + n, 0);
  const count = (name: string): number => perStep.get(name) ?? 0;
  // Every convolution, depthwise convolution and gradient on oneDNN; no Eigen fallback.
  expect(count('_MklNativeConv2D')).toBe(4);
  expect(count('_MklNativeConv2DBackpropFilter')).toBe(4);
  expect(count('_MklNativeConv2DBackpropInput')).toBe(3); // not for the image
  expect(count('_MklNativeDepthwiseConv2dNative')).toBe(2);
  expect(count('_MklNativeDepthwiseConv2dNativeBackpropInput')).toBe(2);
  expect(count('_MklNativeDepthwiseConv2dNativeBackpropFilter')).toBe(2);
  for (const eigen of ['Conv2D', 'DepthwiseConv2dNative', 'Conv2DBackpropInput'])
    expect(count(eigen)).toBe(0);
  // Every BatchNorm one fused op each way; ReLU6 and its gradient one op each.
  expect(count('FusedBatchNormV3')).toBe(6);
  expect(count('FusedBatchNormGradV3')).toBe(6);
  expect(count('Relu6Grad')).toBe(5);
  // The dense layer: one rank-2 MatMul forward and one per gradient (input and kernel).
  expect(count('MatMul')).toBe(3);
  expect(count('BatchMatMulV2')).toBe(0);
  // Reshapes: the optimizer flattens and restores each of the 7 variables of rank > 1, plus the
  // pooling gradient; none per bias or BatchNorm scale, none for the residual add's gradients.
  expect(count('Reshape')).toBeLessThanOrEqual(15);
  // 98 on TensorFlow 2.21 / tfjs-node 4.22: 47 layer ops forward and backward, 16 Adam, 6
  // moving averages, 14 loss, accuracy and bookkeeping, the 15 reshapes. It was 145 before the
  // flat-parameter Adam update, the Mean gradient and the same-shape Reshape (43 Reshapes, 28 Adds).
  expect(total).toBeLessThanOrEqual(98);
});
