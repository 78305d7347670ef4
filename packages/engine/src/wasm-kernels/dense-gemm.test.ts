import * as tf from '@tensorflow/tfjs-core';
import '@tensorflow/tfjs-backend-cpu';
import '@tensorflow/tfjs-backend-wasm';
import { registerWasmGradientKernels, setDenseGemmEnabled, setHeapSimdEnabled } from './index';
import { heapSimd } from './wasm-heap';

registerWasmGradientKernels();

function random(n: number, seed: number): Float32Array {
  let s = seed * 2654435761 + 12345;
  const values = new Float32Array(n);
  for (let i = 0; i < n; i++) {
    s = (Math.imul(s, 1103515245) + 12345) >>> 0;
    values[i] = s / 2 ** 32 - 0.5;
  }
  return values;
}

type Product = (a: tf.Tensor, b: tf.Tensor, bias: tf.Tensor | undefined) => tf.Tensor;

async function on(
  backend: string,
  shapes: { a: number[]; b: number[]; bias?: number[] },
  product: Product,
): Promise<{ shape: number[]; values: Float32Array }> {
  await tf.setBackend(backend);
  const size = (s: number[]): number => s.reduce((x, y) => x * y, 1);
  const a = tf.tensor(random(size(shapes.a), 1), shapes.a);
  const b = tf.tensor(random(size(shapes.b), 2), shapes.b);
  const bias = shapes.bias ? tf.tensor(random(size(shapes.bias), 3), shapes.bias) : undefined;
  const out = product(a, b, bias);
  const result = { shape: out.shape, values: out.dataSync() as Float32Array };
  tf.dispose([a, b, out, ...(bias ? [bias] : [])]);
  return result;
}

function expectClose(
  got: { shape: number[]; values: Float32Array },
  want: { shape: number[]; values: Float32Array },
): void {
  expect(got.shape).toEqual(want.shape);
  let worst = 0;
  let scale = 1e-6;
  want.values.forEach((w, i) => {
    worst = Math.max(worst, Math.abs(got.values[i]! - w));
    scale = Math.max(scale, Math.abs(w));
  });
  expect(worst / scale).toBeLessThan(1e-5);
}

/** Whether `run` called the SIMD gemm on the wasm backend. */
async function callsGemm(run: () => void): Promise<boolean> {
  await tf.setBackend('wasm');
  const simd = heapSimd(tf.backend());
  if (simd === undefined) throw new Error('no SIMD kernels on the wasm backend');
  const spy = jest.spyOn(simd.kernels, 'gemm');
  try {
    run();
    return spy.mock.calls.length > 0;
  } finally {
    spy.mockRestore();
  }
}

describe('MatMul / _FusedMatMul by the SIMD gemm (dense layers)', () => {
  // m × k · k × n: full 4 × 8 blocks, row and column edges, a single row, k = 1.
  const sizes: [number, number, number][] = [
    [64, 800, 64],
    [13, 17, 19],
    [5, 7, 3],
    [1, 3, 10],
    [8, 16, 8],
    [4, 1, 8],
    [6, 9, 24],
  ];
  test.each(sizes)(
    '%i×%i · %i: plain, with bias, with bias and ReLU, rank 3 — as the cpu backend',
    async (m, k, n) => {
      const cases: [{ a: number[]; b: number[]; bias?: number[] }, Product][] = [
        [{ a: [m, k], b: [k, n] }, (a, b) => tf.matMul(a as tf.Tensor2D, b as tf.Tensor2D)],
        [{ a: [1, m, k], b: [1, k, n] }, (a, b) => tf.matMul(a as tf.Tensor3D, b as tf.Tensor3D)],
        [
          { a: [m, k], b: [k, n], bias: [n] },
          (a, b, bias) => tf.fused.matMul({ a: a as tf.Tensor2D, b: b as tf.Tensor2D, bias }),
        ],
        [
          { a: [m, k], b: [k, n], bias: [n] },
          (a, b, bias) =>
            tf.fused.matMul({ a: a as tf.Tensor2D, b: b as tf.Tensor2D, bias, activation: 'relu' }),
        ],
        [
          { a: [m, k], b: [k, n] },
          (a, b) =>
            tf.fused.matMul({ a: a as tf.Tensor2D, b: b as tf.Tensor2D, activation: 'relu' }),
        ],
        // The input gradient of a dense layer: dy · Wᵀ (transposed explicitly, then the gemm).
        [
          { a: [m, k], b: [n, k] },
          (a, b) => tf.matMul(a as tf.Tensor2D, b as tf.Tensor2D, false, true),
        ],
      ];
      for (const [shapes, product] of cases) {
        const want = await on('cpu', shapes, product);
        expectClose(await on('wasm', shapes, product), want);
      }
    },
  );

  test.each([
    [[2, 5, 3, 8], 16, 'relu6'],
    [[3, 7, 7, 13], 12, 'linear'],
    [[1, 4, 4, 32], 9, 'relu'],
  ] as [[number, number, number, number], number, tf.fused.Activation][])(
    'pointwise conv %j → %i channels (bias, %s) as the cpu backend, by the gemm',
    async (xShape, cout, activation) => {
      const shapes = { a: xShape, b: [1, 1, xShape[3]!, cout], bias: [cout] };
      const conv: Product = (x, w, bias) =>
        tf.fused.conv2d({
          x: x as tf.Tensor4D,
          filter: w as tf.Tensor4D,
          strides: 1,
          pad: 'same',
          bias,
          activation,
        });
      const want = await on('cpu', shapes, conv);
      // Values scaled up so that ReLU6 clips some of them.
      const scaled: Product = (x, w, bias) => conv(tf.mul(x, 20), w, bias);
      const wantScaled = await on('cpu', shapes, scaled);
      expectClose(await on('wasm', shapes, conv), want);
      expectClose(await on('wasm', shapes, scaled), wantScaled);
      await tf.setBackend('wasm');
      const x = tf.randomNormal(xShape) as tf.Tensor4D;
      const w = tf.randomNormal([1, 1, xShape[3]!, cout]) as tf.Tensor4D;
      expect(await callsGemm(() => tf.conv2d(x, w, 1, 'valid').dispose())).toBe(true);
      // Strided or padded 1×1 convolutions are not one product: the stock kernel.
      expect(await callsGemm(() => tf.conv2d(x, w, 2, 'same').dispose())).toBe(false);
      tf.dispose([x, w]);
    },
  );

  test('hand-computed: [[1, 2], [3, 4]] · [[5, -6], [7, 8]] + bias, then ReLU or ReLU6', async () => {
    await tf.setBackend('wasm');
    const out = tf.fused.matMul({
      a: tf.tensor2d([1, 2, 3, 4], [2, 2]),
      b: tf.tensor2d([5, -6, 7, 8], [2, 2]),
      bias: tf.tensor1d([1, -40]),
      activation: 'relu',
    });
    // [1·5 + 2·7 + 1, 1·(−6) + 2·8 − 40] = [20, −30 → 0]; [3·5 + 4·7 + 1, −18 + 32 − 40] = [44, 0].
    expect(Array.from(out.dataSync())).toEqual([20, 0, 44, 0]);
    const clipped = tf.fused.matMul({
      a: tf.tensor2d([1, 2, 3, 4], [2, 2]),
      b: tf.tensor2d([5, -6, 7, 8], [2, 2]),
      bias: tf.tensor1d([-16, -40]),
      activation: 'relu6',
    });
    // ReLU6 of [19 − 16, 10 − 40; 43 − 16, 14 − 40] = [3, −30; 27, −26]: [3, 0; 6, 0].
    expect(Array.from(clipped.dataSync())).toEqual([3, 0, 6, 0]);
    tf.dispose([out, clipped]);
  });

  test('runs the gemm for dense products and leaves the rest to the stock kernels', async () => {
    await tf.setBackend('wasm');
    const a = tf.tensor2d(random(12, 4), [3, 4]);
    const b = tf.tensor2d(random(20, 5), [4, 5]);
    const batched = tf.tensor3d(random(24, 6), [2, 3, 4]);
    const bBatched = tf.tensor3d(random(40, 7), [2, 4, 5]);
    expect(await callsGemm(() => tf.matMul(a, b).dispose())).toBe(true);
    expect(
      await callsGemm(() =>
        tf.fused.matMul({ a, b, bias: tf.zeros([5]) as tf.Tensor1D }).dispose(),
      ),
    ).toBe(true);
    // Batched products, other activations and the benchmark switch: the stock kernels.
    expect(await callsGemm(() => tf.matMul(batched, bBatched).dispose())).toBe(false);
    expect(await callsGemm(() => tf.fused.matMul({ a, b, activation: 'elu' }).dispose())).toBe(
      false,
    );
    setDenseGemmEnabled(false);
    try {
      expect(await callsGemm(() => tf.matMul(a, b).dispose())).toBe(false);
    } finally {
      setDenseGemmEnabled(true);
    }
    setHeapSimdEnabled(false);
    try {
      const stock = tf.matMul(a, b);
      setHeapSimdEnabled(true);
      const gemm = tf.matMul(a, b);
      expectClose(
        { shape: gemm.shape, values: gemm.dataSync() as Float32Array },
        { shape: stock.shape, values: stock.dataSync() as Float32Array },
      );
      tf.dispose([stock, gemm]);
    } finally {
      setHeapSimdEnabled(true);
    }
    tf.dispose([a, b, batched, bBatched]);
  });
});
