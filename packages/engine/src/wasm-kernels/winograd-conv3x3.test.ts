import * as tf from '@tensorflow/tfjs-core';
import '@tensorflow/tfjs-backend-cpu';
import '@tensorflow/tfjs-backend-wasm';
import type { ForwardConvCall, InputGradCall } from './conv-call-geometry';
import { conv2dBackpropInputWinograd } from './conv2d-backprop-input-winograd';
import { conv2dForwardWinograd } from './conv2d-forward-winograd';
import { flippedTransposedFilter } from './flipped-transposed-filter';
import { setMinimumSplitBytes } from './split-by-images';
import { heapSimd, type HeapBackend } from './wasm-heap';
import { winogradFilterTransform } from './winograd-filter-transform';

/**
 * Winograd's transforms add and subtract up to 16 terms around the products, so its round-off
 * exceeds the direct convolution's: the tests allow 5e-6 of the output's largest magnitude
 * (observed 1.1e-7 to 6.1e-7 on these shapes, growing with cin), where the direct kernels' tests
 * allow 1e-4.
 */
const RELATIVE_TOLERANCE = 5e-6;

function random(shape: number[], seed: number): Float32Array {
  let s = seed * 2654435761 + 12345;
  const values = new Float32Array(shape.reduce((a, b) => a * b, 1));
  for (let i = 0; i < values.length; i++) {
    s = (Math.imul(s, 1103515245) + 12345) >>> 0;
    values[i] = s / 2 ** 32 - 0.5;
  }
  return values;
}

describe('winogradFilterTransform (hand-computed)', () => {
  test('a filter of ones: U = (G·1)(G·1)ᵀ with G·1 = [1, 1.5, 0.5, 1]', () => {
    const out = new Float32Array(16);
    winogradFilterTransform(new Float32Array(9).fill(1), 1, 1, out);
    const v = [1, 1.5, 0.5, 1];
    expect(Array.from(out)).toEqual(v.flatMap((a) => v.map((b) => a * b)));
  });

  test('a centre tap, laid out [16][cin][cout]: U = outer([0, ½, −½, 0]) in its channel pair only', () => {
    // cin 1, cout 2: channel pair 0 is the centre tap (HWIO index (1·3+1)·2 + 0), pair 1 is zero
    const filter = new Float32Array(18);
    filter[8] = 1;
    const out = new Float32Array(32);
    winogradFilterTransform(filter, 1, 2, out);
    const v = [0, 0.5, -0.5, 0];
    expect(Array.from(out.filter((_, i) => i % 2 === 0))).toEqual(
      v.flatMap((a) => v.map((b) => a * b + 0)),
    );
    expect(Array.from(out.filter((_, i) => i % 2 === 1)).every((x) => x === 0)).toBe(true);
  });

  test('refuses buffers of the wrong size', () => {
    expect(() => winogradFilterTransform(new Float32Array(8), 1, 1, new Float32Array(16))).toThrow(
      RangeError,
    );
  });
});

interface Case {
  n: number;
  h: number;
  w: number;
  cin: number;
  cout: number;
  pad: 'same' | 'valid';
  activation: 'linear' | 'relu' | 'relu6';
  bias: boolean;
}

const CASES: Case[] = [
  // the benchmark CNN's conv2 (13×13×32 → 11×11×64, valid) and the reference CNN's (16 → 32)
  { n: 3, h: 13, w: 13, cin: 32, cout: 64, pad: 'valid', activation: 'relu', bias: true },
  { n: 2, h: 13, w: 13, cin: 16, cout: 32, pad: 'valid', activation: 'relu', bias: true },
  // odd and even sizes, same padding, a tile count that is not a multiple of 4
  { n: 2, h: 7, w: 9, cin: 4, cout: 8, pad: 'same', activation: 'linear', bias: false },
  { n: 1, h: 6, w: 5, cin: 8, cout: 16, pad: 'same', activation: 'relu6', bias: true },
  { n: 3, h: 5, w: 11, cin: 12, cout: 24, pad: 'valid', activation: 'linear', bias: true },
  { n: 2, h: 4, w: 4, cin: 4, cout: 8, pad: 'valid', activation: 'relu', bias: false },
  { n: 1, h: 3, w: 3, cin: 4, cout: 16, pad: 'valid', activation: 'linear', bias: true },
  { n: 2, h: 1, w: 2, cin: 8, cout: 8, pad: 'same', activation: 'relu6', bias: false },
  { n: 4, h: 14, w: 14, cin: 32, cout: 32, pad: 'same', activation: 'relu', bias: true },
];

describe('conv2dForwardWinograd matches the cpu backend', () => {
  afterEach(() => setMinimumSplitBytes(1 << 20));

  test.each(CASES)('x[$n,$h,$w,$cin] 3×3 → $cout $pad $activation bias $bias', async (c) => {
    const xv = random([c.n, c.h, c.w, c.cin], 1);
    const fv = random([3, 3, c.cin, c.cout], 2);
    const bv = random([c.cout], 3);
    const attrs = {
      strides: 1,
      pad: c.pad,
      dataFormat: 'NHWC',
      dilations: 1,
      activation: c.activation,
    };
    await tf.setBackend('cpu');
    const cpuInputs: tf.NamedTensorMap = {
      x: tf.tensor4d(xv, [c.n, c.h, c.w, c.cin]),
      filter: tf.tensor4d(fv, [3, 3, c.cin, c.cout]),
    };
    if (c.bias) cpuInputs['bias'] = tf.tensor1d(bv);
    const cpuOut = tf
      .engine()
      .runKernel('FusedConv2D', cpuInputs, attrs as unknown as tf.NamedAttrMap) as tf.Tensor;
    const expected = (await cpuOut.data()) as Float32Array;
    const expectedShape = cpuOut.shape;
    tf.dispose([cpuOut, ...Object.values(cpuInputs)]);

    await tf.setBackend('wasm');
    const simd = heapSimd(tf.backend() as unknown as HeapBackend)!;
    expect(simd).toBeDefined();
    setMinimumSplitBytes(1); // split into several calls wherever there are helper threads
    const x = tf.tensor4d(xv, [c.n, c.h, c.w, c.cin]);
    const filter = tf.tensor4d(fv, [3, 3, c.cin, c.cout]);
    const bias = c.bias ? tf.tensor1d(bv) : undefined;
    const info = conv2dForwardWinograd(simd, {
      x,
      filter,
      bias,
      strides: 1,
      pad: c.pad,
      dilations: 1,
      activation: c.activation,
    });
    expect(info).toBeDefined(); // no silent fallback
    const y = tf.engine().makeTensorFromTensorInfo(info!);
    expect(y.shape).toEqual(expectedShape);
    const got = y.dataSync() as Float32Array;
    let worst = 0;
    let scale = 0;
    for (let i = 0; i < expected.length; i++) {
      worst = Math.max(worst, Math.abs(got[i]! - expected[i]!));
      scale = Math.max(scale, Math.abs(expected[i]!));
    }
    expect(scale).toBeGreaterThan(0);
    expect(worst / scale).toBeLessThan(RELATIVE_TOLERANCE);
    tf.dispose([x, filter, y, ...(bias === undefined ? [] : [bias])]);
  });

  test('leaves what it does not take to its caller (not 3×3/1, cin % 4, cout % 8, dilated, leaky ReLU)', async () => {
    await tf.setBackend('wasm');
    const simd = heapSimd(tf.backend() as unknown as HeapBackend)!;
    const x8 = tf.zeros([1, 6, 6, 8]);
    const x2 = tf.zeros([1, 6, 6, 2]);
    const f = tf.zeros([3, 3, 8, 8]);
    const f5 = tf.zeros([5, 5, 8, 8]);
    const f2 = tf.zeros([3, 3, 2, 8]);
    const f12 = tf.zeros([3, 3, 8, 12]);
    const none = (v: tf.TensorInfo | undefined) => expect(v).toBeUndefined();
    const call: ForwardConvCall = {
      x: x8,
      filter: f,
      strides: 1,
      pad: 'same',
      dilations: 1,
      activation: 'relu',
    };
    none(conv2dForwardWinograd(simd, { ...call, strides: 2 }));
    none(conv2dForwardWinograd(simd, { ...call, filter: f5 }));
    none(conv2dForwardWinograd(simd, { ...call, x: x2, filter: f2 }));
    none(conv2dForwardWinograd(simd, { ...call, filter: f12 }));
    none(conv2dForwardWinograd(simd, { ...call, dilations: 2 }));
    none(conv2dForwardWinograd(simd, { ...call, activation: 'leakyrelu' }));
    tf.dispose([x8, x2, f, f5, f2, f12]);
  });
});

describe('flippedTransposedFilter (hand-computed)', () => {
  test('rotates the taps by 180° and swaps the channel axes', () => {
    // [kh 1, kw 2, cin 2, cout 3]: value = 100·s + 10·i + o
    const f = new Float32Array(12);
    for (let s = 0; s < 2; s++)
      for (let i = 0; i < 2; i++)
        for (let o = 0; o < 3; o++) f[(s * 2 + i) * 3 + o] = 100 * s + 10 * i + o;
    // out [1, 2, 3, 2]: out[s][o][i] = f[1 − s][i][o]
    expect(Array.from(flippedTransposedFilter(f, 1, 2, 2, 3))).toEqual([
      100, 110, 101, 111, 102, 112, 0, 10, 1, 11, 2, 12,
    ]);
  });
});

const INPUT_GRAD_CASES: {
  n: number;
  h: number;
  w: number;
  cin: number;
  cout: number;
  pad: 'same' | 'valid';
}[] = [
  // the benchmark CNN's conv2 (dx 13×13×32 from dy 11×11×64) and the reference CNN's
  { n: 3, h: 13, w: 13, cin: 32, cout: 64, pad: 'valid' },
  { n: 2, h: 13, w: 13, cin: 16, cout: 32, pad: 'valid' },
  { n: 2, h: 7, w: 9, cin: 8, cout: 4, pad: 'same' },
  { n: 1, h: 6, w: 5, cin: 16, cout: 12, pad: 'same' },
  { n: 2, h: 5, w: 8, cin: 24, cout: 8, pad: 'valid' },
  { n: 1, h: 3, w: 3, cin: 8, cout: 4, pad: 'valid' },
];

describe('conv2dBackpropInputWinograd matches the cpu backend', () => {
  afterEach(() => setMinimumSplitBytes(1 << 20));

  test.each(INPUT_GRAD_CASES)('dx[$n,$h,$w,$cin] ← dy ($cout channels) 3×3 $pad', async (c) => {
    const oh = c.pad === 'same' ? c.h : c.h - 2;
    const ow = c.pad === 'same' ? c.w : c.w - 2;
    const dyv = random([c.n, oh, ow, c.cout], 4);
    const fv = random([3, 3, c.cin, c.cout], 5);
    const inputShape: [number, number, number, number] = [c.n, c.h, c.w, c.cin];
    const attrs = { inputShape, strides: 1, pad: c.pad, dataFormat: 'NHWC', dilations: 1 };
    await tf.setBackend('cpu');
    const cpuInputs = {
      dy: tf.tensor4d(dyv, [c.n, oh, ow, c.cout]),
      filter: tf.tensor4d(fv, [3, 3, c.cin, c.cout]),
    };
    const cpuOut = tf
      .engine()
      .runKernel(
        'Conv2DBackpropInput',
        cpuInputs,
        attrs as unknown as tf.NamedAttrMap,
      ) as tf.Tensor;
    const expected = (await cpuOut.data()) as Float32Array;
    tf.dispose([cpuOut, ...Object.values(cpuInputs)]);

    await tf.setBackend('wasm');
    const simd = heapSimd(tf.backend() as unknown as HeapBackend)!;
    setMinimumSplitBytes(1);
    const dy = tf.tensor4d(dyv, [c.n, oh, ow, c.cout]);
    const filter = tf.tensor4d(fv, [3, 3, c.cin, c.cout]);
    const info = conv2dBackpropInputWinograd(simd, {
      inputShape,
      dy,
      filter,
      strides: 1,
      pad: c.pad,
    });
    expect(info).toBeDefined(); // no silent fallback
    const dx = tf.engine().makeTensorFromTensorInfo(info!);
    expect(dx.shape).toEqual(inputShape);
    const got = dx.dataSync() as Float32Array;
    let worst = 0;
    let scale = 0;
    for (let i = 0; i < expected.length; i++) {
      worst = Math.max(worst, Math.abs(got[i]! - expected[i]!));
      scale = Math.max(scale, Math.abs(expected[i]!));
    }
    expect(scale).toBeGreaterThan(0);
    expect(worst / scale).toBeLessThan(RELATIVE_TOLERANCE);
    tf.dispose([dy, filter, dx]);
  });

  test('leaves strides, other kernel sizes and unfit channels to its caller', async () => {
    await tf.setBackend('wasm');
    const simd = heapSimd(tf.backend() as unknown as HeapBackend)!;
    const dy = tf.zeros([1, 6, 6, 8]);
    const dy3 = tf.zeros([1, 3, 3, 8]);
    const f = tf.zeros([3, 3, 8, 8]);
    const f5 = tf.zeros([5, 5, 8, 8]);
    const f12 = tf.zeros([3, 3, 12, 8]);
    const none = (v: tf.TensorInfo | undefined) => expect(v).toBeUndefined();
    const call: InputGradCall = {
      inputShape: [1, 6, 6, 8],
      dy,
      filter: f,
      strides: 1,
      pad: 'same',
    };
    none(conv2dBackpropInputWinograd(simd, { ...call, dy: dy3, strides: 2 }));
    none(conv2dBackpropInputWinograd(simd, { ...call, filter: f5 }));
    none(conv2dBackpropInputWinograd(simd, { ...call, inputShape: [1, 6, 6, 12], filter: f12 }));
    tf.dispose([dy, dy3, f, f5, f12]);
  });
});
