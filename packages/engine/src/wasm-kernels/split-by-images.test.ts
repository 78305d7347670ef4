import '@tensorflow/tfjs-backend-cpu';
import { silentLogger } from '@collabopt/core';
import { createEngine, tf } from '../index';
import { imageRanges, setMinimumSplitBytes } from './split-by-images';
import { backendMemory } from './wasm-heap';
import {
  setSimdThreadPool,
  simdThreadPoolOn,
  type SimdThreadPool,
} from './simd/simd-helper-threads';
import { BATCH_NORM_TRAINING, BATCH_NORM_TRAINING_GRAD, RELU6_GRAD } from './index';

describe('imageRanges', () => {
  test('contiguous ranges covering every image, sizes differing by at most one', () => {
    expect(imageRanges(64, 2)).toEqual([
      { start: 0, count: 32 },
      { start: 32, count: 32 },
    ]);
    expect(imageRanges(5, 2)).toEqual([
      { start: 0, count: 3 },
      { start: 3, count: 2 },
    ]);
    expect(imageRanges(7, 3)).toEqual([
      { start: 0, count: 3 },
      { start: 3, count: 2 },
      { start: 5, count: 2 },
    ]);
    expect(imageRanges(1, 2)).toEqual([{ start: 0, count: 1 }]);
    expect(imageRanges(0, 2)).toEqual([{ start: 0, count: 0 }]);
  });
});

function random(shape: number[], seed: number): tf.Tensor {
  let s = seed * 2654435761 + 12345;
  const n = shape.reduce((a, b) => a * b, 1);
  const values = new Float32Array(n);
  for (let i = 0; i < n; i++) {
    s = (Math.imul(s, 1103515245) + 12345) >>> 0;
    values[i] = s / 2 ** 32 - 0.5;
  }
  return tf.tensor(values, shape);
}

async function runOn(
  backend: string,
  kernel: string,
  inputs: Record<string, tf.Tensor>,
  attrs: object,
): Promise<{ values: Float32Array[]; shapes: number[][] }> {
  await tf.setBackend(backend);
  const copies = Object.fromEntries(
    Object.entries(inputs).map(([k, t]) => [k, tf.tensor(t.dataSync(), t.shape)]),
  );
  const out = tf.engine().runKernel(kernel, copies, attrs as tf.NamedAttrMap);
  const outs = Array.isArray(out) ? out : [out as tf.Tensor];
  const values = outs.map((t) => t.dataSync() as Float32Array);
  const shapes = outs.map((t) => t.shape);
  tf.dispose([...outs, ...Object.values(copies)]);
  return { values, shapes };
}

function expectClose(a: Float32Array, b: Float32Array): void {
  expect(a.length).toBe(b.length);
  let worst = 0;
  let scale = 1e-6;
  for (let i = 0; i < b.length; i++) {
    worst = Math.max(worst, Math.abs(a[i]! - b[i]!));
    scale = Math.max(scale, Math.abs(b[i]!));
  }
  expect(worst / scale).toBeLessThan(1e-4);
}

function outSize(x: number, k: number, s: number, d: number, pad: 'same' | 'valid'): number {
  const eff = (k - 1) * d + 1;
  return pad === 'same' ? Math.ceil(x / s) : Math.ceil((x - eff + 1) / s);
}

/**
 * The gradient kernels on a 2-thread wasm backend, where they split their work by images into
 * calls the calling thread and a SIMD helper thread share: each must hand the pool a job (a run
 * as one call fails the test) and agree with the cpu backend.
 */
describe('kernels split across a SIMD helper thread', () => {
  jest.setTimeout(30_000); // the helper thread may wait long for a core on a loaded machine
  let jobs = 0;
  beforeAll(async () => {
    setMinimumSplitBytes(0); // split even these small tensors
    await createEngine({ backend: 'wasm', wasmThreads: 2, logger: silentLogger });
    const memory = backendMemory(tf.engine().findBackend('wasm'))!;
    const pool = simdThreadPoolOn(memory);
    expect(pool?.helpers).toBe(1);
    const counting: SimdThreadPool = {
      helpers: pool!.helpers,
      helpersForNextKernel: () => pool!.helpers, // always split here, however loaded the machine
      run: (name, calls, runHere) => {
        jobs++;
        expect(calls.length).toBeGreaterThan(1);
        pool!.run(name, calls, runHere);
      },
    };
    setSimdThreadPool(memory, counting);
  }, 60_000);
  afterAll(() => {
    setMinimumSplitBytes(1 << 20);
    if (tf.findBackend('wasm') !== null) tf.removeBackend('wasm');
  });

  async function expectSplitMatchesCpu(
    kernel: string,
    inputs: Record<string, tf.Tensor>,
    attrs: object,
  ): Promise<void> {
    const expected = await runOn('cpu', kernel, inputs, attrs);
    const before = jobs;
    const actual = await runOn('wasm', kernel, inputs, attrs);
    expect(jobs).toBeGreaterThan(before);
    expect(actual.shapes).toEqual(expected.shapes);
    actual.values.forEach((v, i) => expectClose(v, expected.values[i]!));
  }

  const CONV = [
    // [n, h, w, cin], [kh, kw, cout], strides, pad
    { x: [3, 9, 7, 1], f: [3, 3, 8], s: [2, 2], pad: 'same' }, // 3×3 taps in registers
    { x: [2, 8, 11, 2], f: [3, 2, 6], s: [1, 2], pad: 'valid' }, // products added in memory
    { x: [3, 13, 11, 8], f: [3, 3, 16], s: [1, 1], pad: 'valid' }, // register-blocked
    { x: [5, 9, 7, 4], f: [3, 3, 8], s: [2, 2], pad: 'same' },
    { x: [3, 5, 7, 8], f: [1, 1, 16], s: [1, 1], pad: 'same' }, // pointwise aᵀ·b by pixel rows
    { x: [3, 11, 13, 16], f: [3, 3, 5], s: [2, 2], pad: 'valid' }, // direct input gradient
    { x: [2, 9, 11, 8], f: [5, 3, 3], s: [1, 1], pad: 'same' },
  ] as const;

  // The filter gradients collabopt's kernels take (others run XNNPACK's transposed convolution).
  test.each(CONV.filter((c) => c.x[3] <= 3 || (c.x[3] % 4 === 0 && c.f[2] % 8 === 0)))(
    'Conv2DBackpropFilter x$x f$f s$s $pad',
    async (c) => {
      const [n, h, w, cin] = c.x;
      const [kh, kw, cout] = c.f;
      const dy = [n, outSize(h, kh, c.s[0], 1, c.pad), outSize(w, kw, c.s[1], 1, c.pad), cout];
      await expectSplitMatchesCpu(
        'Conv2DBackpropFilter',
        { x: random([...c.x], 1), dy: random(dy, 2) },
        { strides: c.s, pad: c.pad, dataFormat: 'NHWC', filterShape: [kh, kw, cin, cout] },
      );
    },
  );

  test.each(CONV.filter((c) => c.x[3] % 8 === 0 && c.f[0] * c.f[1] > 1))(
    'Conv2DBackpropInput x$x f$f s$s $pad',
    async (c) => {
      const [n, h, w, cin] = c.x;
      const [kh, kw, cout] = c.f;
      const dy = [n, outSize(h, kh, c.s[0], 1, c.pad), outSize(w, kw, c.s[1], 1, c.pad), cout];
      await expectSplitMatchesCpu(
        'Conv2DBackpropInput',
        { dy: random(dy, 3), filter: random([kh, kw, cin, cout], 4) },
        { strides: c.s, pad: c.pad, dataFormat: 'NHWC', inputShape: [...c.x] },
      );
    },
  );

  test.each(CONV.filter((c) => c.f[2] % 8 === 0 && c.f[0] * c.f[1] > 1))(
    'FusedConv2D (direct SIMD forward) x$x f$f s$s $pad',
    async (c) => {
      const [, , , cin] = c.x;
      const [kh, kw, cout] = c.f;
      await expectSplitMatchesCpu(
        'FusedConv2D',
        {
          x: random([...c.x], 9),
          filter: random([kh, kw, cin, cout], 10),
          bias: random([cout], 11),
        },
        { strides: c.s, pad: c.pad, dataFormat: 'NHWC', dilations: 1, activation: 'relu' },
      );
    },
  );

  const DEPTHWISE = [
    { x: [3, 11, 9, 17], k: 3, mult: 1, s: 2, pad: 'same' },
    { x: [2, 13, 13, 9], k: 3, mult: 2, s: 2, pad: 'valid' },
    { x: [3, 7, 6, 8], k: 3, mult: 1, s: 1, pad: 'same' },
    { x: [2, 7, 7, 6], k: 5, mult: 2, s: 1, pad: 'same' },
  ] as const;

  test.each(DEPTHWISE)('depthwise gradients x$x k$k ×$mult s$s $pad', async (c) => {
    const [n, h, w, ch] = c.x;
    const dy = [n, outSize(h, c.k, c.s, 1, c.pad), outSize(w, c.k, c.s, 1, c.pad), ch * c.mult];
    const filterShape = [c.k, c.k, ch, c.mult];
    const attrs = { strides: c.s, pad: c.pad, dilations: 1 };
    await expectSplitMatchesCpu(
      'DepthwiseConv2dNativeBackpropFilter',
      { x: random([...c.x], 5), dy: random(dy, 6) },
      { ...attrs, filterShape },
    );
    await expectSplitMatchesCpu(
      'DepthwiseConv2dNativeBackpropInput',
      { dy: random(dy, 7), filter: random(filterShape, 8) },
      { ...attrs, inputShape: [...c.x] },
    );
  });

  test('kernels over less than 1 MiB of batched data run as one call (no job)', async () => {
    setMinimumSplitBytes(1 << 20);
    try {
      const x = random([4, 8, 8, 8], 21); // 8 KiB
      const dy = random([4, 8, 8, 16], 22);
      const attrs = { strides: 1, pad: 'same', dataFormat: 'NHWC', filterShape: [3, 3, 8, 16] };
      const expected = await runOn('cpu', 'Conv2DBackpropFilter', { x, dy }, attrs);
      const before = jobs;
      const actual = await runOn('wasm', 'Conv2DBackpropFilter', { x, dy }, attrs);
      expect(jobs).toBe(before);
      expectClose(actual.values[0]!, expected.values[0]!);
    } finally {
      setMinimumSplitBytes(0);
    }
  });

  test('MaxPoolGrad 2×2/2 over an odd batch and odd sizes', async () => {
    const x = random([3, 9, 7, 5], 9);
    const y = await runOn('cpu', 'MaxPool', { x }, { filterSize: 2, strides: 2, pad: 'valid' });
    const output = tf.tensor(y.values[0]!, y.shapes[0]!);
    await expectSplitMatchesCpu(
      'MaxPoolGrad',
      { dy: random(y.shapes[0]!, 10), input: x, output },
      { filterSize: 2, strides: 2, pad: 'valid' },
    );
  });

  test('MaxPool 2×2/2 over an odd batch and odd sizes', async () => {
    await expectSplitMatchesCpu(
      'MaxPool',
      { x: random([3, 9, 7, 5], 15) },
      { filterSize: 2, strides: 2, pad: 'valid' },
    );
  });

  test('ReLU and ReLU6 gradients over an odd number of elements', async () => {
    const x = tf.mul(random([3, 5, 7, 3], 11), 16);
    const dy = random([3, 5, 7, 3], 12);
    const xs = x.dataSync();
    const dys = dy.dataSync();
    for (const [kernel, high] of [
      ['ReluGrad', Infinity],
      [RELU6_GRAD, 6],
    ] as const) {
      const before = jobs;
      const out = await runOn('wasm', kernel, { dy, x }, {});
      expect(jobs).toBeGreaterThan(before);
      const expected = xs.map((v, i) => (v > 0 && v < high ? dys[i]! : 0));
      expect(Array.from(out.values[0]!)).toEqual(Array.from(expected));
    }
  });

  test('Sum over leading axes (bias gradients) split by rows', async () => {
    await expectSplitMatchesCpu('Sum', { x: random([3, 7, 5, 12], 23) }, { axis: [0, 1, 2] });
  });

  test('dense kernel gradient aᵀ·b (BatchMatMul, transposed a) split by rows', async () => {
    await expectSplitMatchesCpu(
      'BatchMatMul',
      { a: random([1, 37, 12], 13), b: random([1, 37, 16], 14) },
      { transposeA: true, transposeB: false },
    );
  });

  test('batch-norm training forward: moments and affine pass split by rows', async () => {
    const x = random([3, 5, 7, 12], 18);
    const scale = random([12], 19);
    const offset = random([12], 20);
    await tf.setBackend('wasm');
    const before = jobs;
    const [y, mean, variance] = tf
      .engine()
      .runKernel(BATCH_NORM_TRAINING, { x, scale, offset }, { epsilon: 1e-3 }) as tf.Tensor[];
    expect(jobs).toBeGreaterThan(before + 1);
    const m = tf.moments(x, [0, 1, 2]);
    expectClose(mean!.dataSync() as Float32Array, m.mean.dataSync() as Float32Array);
    expectClose(variance!.dataSync() as Float32Array, m.variance.dataSync() as Float32Array);
    const expected = tf.add(
      tf.mul(tf.mul(tf.sub(x, m.mean), tf.rsqrt(tf.add(m.variance, 1e-3))), scale),
      offset,
    );
    expectClose(y!.dataSync() as Float32Array, expected.dataSync() as Float32Array);
  });

  test('batch-norm gradient: its sums and affine pass are split by rows', async () => {
    await tf.setBackend('wasm');
    const x = random([3, 5, 5, 8], 15);
    const dy = random([3, 5, 5, 8], 16);
    const scale = random([8], 17);
    const mean = tf.mean(x, [0, 1, 2]);
    const rstd = tf.rsqrt(tf.add(tf.moments(x, [0, 1, 2]).variance, 1e-3));
    const before = jobs;
    const [dx] = tf.engine().runKernel(BATCH_NORM_TRAINING_GRAD, {
      dy,
      x,
      scale,
      mean,
      reserve: rstd,
    }) as tf.Tensor[];
    expect(jobs).toBeGreaterThan(before + 1);
    // dx = γ·rstd·(dy − mean(dy) − x̂·mean(dy·x̂)) per channel, composed on the same backend.
    const xhat = tf.mul(tf.sub(x, mean), rstd);
    const expected = tf.mul(
      tf.mul(scale, rstd),
      tf.sub(
        tf.sub(dy, tf.mean(dy, [0, 1, 2])),
        tf.mul(xhat, tf.mean(tf.mul(dy, xhat), [0, 1, 2])),
      ),
    );
    expectClose(dx!.dataSync() as Float32Array, expected.dataSync() as Float32Array);
  });
});
