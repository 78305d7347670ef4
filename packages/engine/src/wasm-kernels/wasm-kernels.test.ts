import { readFileSync } from 'node:fs';
import * as tf from '@tensorflow/tfjs-core';
import '@tensorflow/tfjs-backend-cpu';
import '@tensorflow/tfjs-backend-wasm';
import {
  BATCH_NORM_TRAINING,
  BATCH_NORM_TRAINING_GRAD,
  RELU6_GRAD,
  batchNormCoefficients,
  batchNormGradCoefficients,
  momentsFromShiftedSums,
  relu6GradInto,
  conv2dBackpropFilter,
  maxPoolGradInto,
  poolGeometry,
  registerWasmGradientKernels,
  reluGradInto,
  setHeapSimdEnabled,
  type PoolGeometry,
} from './index';
import { SIMD_KERNELS_PLAIN, SIMD_KERNELS_SHARED, SIMD_KERNEL_PARAMS } from './simd/kernels-binary';
import { heapSimd, type HeapBackend } from './wasm-heap';
import type { ForwardConvCall } from './conv-call-geometry';
import { blockedFilterGradSimd } from './conv2d-backprop-filter-simd';
import { conv2dBackpropInputSimd } from './conv2d-backprop-input-simd';
import { conv2dForwardSimd } from './conv2d-forward-simd';
import { maxPool2x2Simd } from './max-pool-simd';
import { registerCoreGradients } from '../core-gradients';

// First TF.js's gradients (the batch-norm reference differentiates composed ops), then the
// kernels, which route ReLU gradients to their fused kernels (as the engine does).
registerCoreGradients();
registerWasmGradientKernels();

function random(shape: number[], seed: number): { values: Float32Array; shape: number[] } {
  let s = seed * 2654435761 + 12345;
  const n = shape.reduce((a, b) => a * b, 1);
  const values = new Float32Array(n);
  for (let i = 0; i < n; i++) {
    s = (Math.imul(s, 1103515245) + 12345) >>> 0;
    values[i] = s / 2 ** 32 - 0.5;
  }
  return { values, shape };
}

/** Run a kernel on one backend and return its values. */
async function run(
  backend: string,
  kernel: string,
  inputs: Record<string, { values: Float32Array | Int32Array; shape: number[]; dtype?: 'int32' }>,
  attrs: object,
): Promise<{ values: Float32Array; shape: number[] }> {
  await tf.setBackend(backend);
  const ts: Record<string, tf.Tensor> = {};
  for (const [k, v] of Object.entries(inputs))
    ts[k] = tf.tensor(v.values, v.shape, v.dtype ?? 'float32');
  const out = tf.engine().runKernel(kernel, ts, attrs as unknown as tf.NamedAttrMap) as tf.Tensor;
  const values = (await out.data()) as Float32Array;
  const shape = out.shape;
  tf.dispose([out, ...Object.values(ts)]);
  return { values, shape };
}

function expectClose(
  a: { values: Float32Array; shape: number[] },
  b: { values: Float32Array; shape: number[] },
): void {
  expect(a.shape).toEqual(b.shape);
  let worst = 0;
  let scale = 1e-6;
  for (let i = 0; i < b.values.length; i++) {
    worst = Math.max(worst, Math.abs(a.values[i]! - b.values[i]!));
    scale = Math.max(scale, Math.abs(b.values[i]!));
  }
  expect(worst / scale).toBeLessThan(1e-4);
}

function outSize(x: number, k: number, s: number, d: number, pad: 'same' | 'valid'): number {
  const eff = (k - 1) * d + 1;
  return pad === 'same' ? Math.ceil(x / s) : Math.ceil((x - eff + 1) / s);
}

interface Case {
  n: number;
  h: number;
  w: number;
  c: number;
  k: [number, number];
  s: [number, number];
  d: [number, number];
  pad: 'same' | 'valid';
  out: number;
}

const CONV_CASES: Case[] = [
  { n: 2, h: 7, w: 6, c: 3, k: [3, 3], s: [1, 1], d: [1, 1], pad: 'same', out: 4 },
  { n: 2, h: 7, w: 6, c: 3, k: [3, 3], s: [1, 1], d: [1, 1], pad: 'valid', out: 4 },
  { n: 3, h: 8, w: 9, c: 5, k: [3, 2], s: [2, 2], d: [1, 1], pad: 'same', out: 6 },
  { n: 1, h: 9, w: 7, c: 2, k: [3, 3], s: [2, 1], d: [1, 1], pad: 'valid', out: 3 },
  { n: 2, h: 10, w: 10, c: 4, k: [5, 5], s: [3, 3], d: [1, 1], pad: 'same', out: 2 },
  { n: 4, h: 9, w: 9, c: 12, k: [3, 3], s: [1, 1], d: [1, 1], pad: 'valid', out: 6 },
  { n: 2, h: 6, w: 6, c: 3, k: [1, 1], s: [2, 2], d: [1, 1], pad: 'valid', out: 5 },
  { n: 6, h: 8, w: 8, c: 2, k: [3, 3], s: [2, 2], d: [1, 1], pad: 'same', out: 3 },
  // 1×1 stride 1 (pointwise): SIMD aᵀ·b over 105 and 200 pixels (not whole 64-row chunks)
  { n: 3, h: 5, w: 7, c: 8, k: [1, 1], s: [1, 1], d: [1, 1], pad: 'same', out: 16 },
  { n: 2, h: 10, w: 10, c: 12, k: [1, 1], s: [1, 1], d: [1, 1], pad: 'valid', out: 24 },
  // 1×1 with channels the SIMD GEMM does not take (composed path)
  { n: 2, h: 5, w: 5, c: 6, k: [1, 1], s: [1, 1], d: [1, 1], pad: 'same', out: 10 },
  // in channels % 4 = 0 and out channels % 8 = 0: the register-blocked SIMD filter gradient
  // (output-row chunks of ≥ 64 pixels that end mid-image, taps in the padding skipped)
  { n: 3, h: 7, w: 9, c: 4, k: [3, 3], s: [1, 1], d: [1, 1], pad: 'same', out: 8 },
  { n: 2, h: 13, w: 11, c: 8, k: [3, 3], s: [1, 1], d: [1, 1], pad: 'valid', out: 16 },
  { n: 2, h: 9, w: 7, c: 4, k: [3, 3], s: [2, 2], d: [1, 1], pad: 'same', out: 8 },
  { n: 3, h: 10, w: 8, c: 8, k: [3, 3], s: [2, 2], d: [1, 1], pad: 'same', out: 8 },
  { n: 2, h: 11, w: 9, c: 4, k: [3, 3], s: [2, 1], d: [1, 1], pad: 'valid', out: 16 },
  { n: 2, h: 8, w: 9, c: 12, k: [5, 3], s: [1, 2], d: [1, 1], pad: 'same', out: 8 },
  { n: 1, h: 5, w: 6, c: 4, k: [2, 2], s: [3, 3], d: [1, 1], pad: 'same', out: 24 },
  { n: 2, h: 6, w: 5, c: 4, k: [1, 1], s: [2, 2], d: [1, 1], pad: 'same', out: 8 },
  // 3×3 with 1–3 in channels and out channels % 4 = 0: the 9 taps in registers
  { n: 3, h: 9, w: 7, c: 1, k: [3, 3], s: [2, 2], d: [1, 1], pad: 'same', out: 8 },
  { n: 2, h: 8, w: 11, c: 2, k: [3, 3], s: [1, 2], d: [1, 1], pad: 'valid', out: 12 },
  { n: 2, h: 12, w: 12, c: 1, k: [3, 3], s: [1, 1], d: [1, 1], pad: 'same', out: 4 },
  // in channels % 8 = 0: the direct SIMD input gradient (4-pixel blocks and single pixels)
  { n: 2, h: 9, w: 11, c: 16, k: [3, 3], s: [1, 1], d: [1, 1], pad: 'same', out: 5 },
  { n: 2, h: 11, w: 13, c: 8, k: [3, 3], s: [2, 2], d: [1, 1], pad: 'valid', out: 8 },
  { n: 1, h: 7, w: 10, c: 8, k: [5, 3], s: [2, 1], d: [1, 1], pad: 'same', out: 3 },
  { n: 2, h: 6, w: 7, c: 24, k: [2, 4], s: [1, 3], d: [1, 1], pad: 'valid', out: 9 },
];

describe('Conv2DBackpropFilter', () => {
  test.each(CONV_CASES)('matches cpu: x[$n,$h,$w,$c] k$k s$s $pad', async (c) => {
    const filterShape: [number, number, number, number] = [c.k[0], c.k[1], c.c, c.out];
    const dyShape = [
      c.n,
      outSize(c.h, c.k[0], c.s[0], 1, c.pad),
      outSize(c.w, c.k[1], c.s[1], 1, c.pad),
      c.out,
    ];
    const inputs = { x: random([c.n, c.h, c.w, c.c], 1), dy: random(dyShape, 2) };
    const attrs = { strides: c.s, pad: c.pad, dataFormat: 'NHWC', filterShape };
    const expected = await run('cpu', 'Conv2DBackpropFilter', inputs, attrs);
    expectClose(await run('wasm', 'Conv2DBackpropFilter', inputs, attrs), expected);
    // Both formulations agree, whichever the heuristic picks.
    await tf.setBackend('wasm');
    if (c.c % 4 === 0 && c.out % 8 === 0) {
      // The register-blocked SIMD kernel itself (the kernel above may have taken the 1×1 GEMM).
      const simd = heapSimd(tf.backend() as unknown as HeapBackend)!;
      const x = tf.tensor4d(inputs.x.values, inputs.x.shape as [number, number, number, number]);
      const dy = tf.tensor4d(inputs.dy.values, dyShape as [number, number, number, number]);
      const info = blockedFilterGradSimd(simd, x, dy, filterShape, c.s, c.pad)!;
      const dw = tf.engine().makeTensorFromTensorInfo(info);
      expectClose({ values: dw.dataSync() as Float32Array, shape: dw.shape }, expected);
      tf.dispose([x, dy, dw]);
    }
    for (const method of ['im2col', 'conv'] as const) {
      const x = tf.tensor4d(inputs.x.values, inputs.x.shape as [number, number, number, number]);
      const dy = tf.tensor4d(inputs.dy.values, dyShape as [number, number, number, number]);
      const dw = conv2dBackpropFilter(x, dy, filterShape, c.s, c.pad, undefined, method);
      expectClose({ values: dw.dataSync() as Float32Array, shape: dw.shape }, expected);
      tf.dispose([x, dy, dw]);
    }
  });
});

describe('Conv2DBackpropInput (replacement)', () => {
  test.each(CONV_CASES)('matches cpu: x[$n,$h,$w,$c] k$k s$s $pad', async (c) => {
    const dyShape = [
      c.n,
      outSize(c.h, c.k[0], c.s[0], 1, c.pad),
      outSize(c.w, c.k[1], c.s[1], 1, c.pad),
      c.out,
    ];
    const inputs = { dy: random(dyShape, 3), filter: random([c.k[0], c.k[1], c.c, c.out], 4) };
    const attrs = {
      strides: c.s,
      pad: c.pad,
      dataFormat: 'NHWC',
      inputShape: [c.n, c.h, c.w, c.c],
    };
    const expected = await run('cpu', 'Conv2DBackpropInput', inputs, attrs);
    expectClose(await run('wasm', 'Conv2DBackpropInput', inputs, attrs), expected);
    if (c.c % 8 === 0 && !(c.k[0] === 1 && c.k[1] === 1 && c.s[0] === 1 && c.s[1] === 1)) {
      // The direct SIMD kernel itself.
      await tf.setBackend('wasm');
      const simd = heapSimd(tf.backend() as unknown as HeapBackend)!;
      const dy = tf.tensor4d(inputs.dy.values, dyShape as [number, number, number, number]);
      const filter = tf.tensor4d(inputs.filter.values, [c.k[0], c.k[1], c.c, c.out]);
      const info = conv2dBackpropInputSimd(simd, {
        inputShape: [c.n, c.h, c.w, c.c],
        dy,
        filter,
        strides: c.s,
        pad: c.pad,
      })!;
      const dx = tf.engine().makeTensorFromTensorInfo(info);
      expectClose({ values: dx.dataSync() as Float32Array, shape: dx.shape }, expected);
      tf.dispose([dy, filter, dx]);
    }
  });
});

/** Forward convolutions the direct SIMD kernel takes: out channels % 8 = 0, not pointwise. */
const FORWARD_CASES: (Case & { activation: 'linear' | 'relu' | 'relu6'; bias: boolean })[] = [
  // 4-pixel blocks and single pixels at the 'same' padding, odd sizes
  {
    n: 2,
    h: 9,
    w: 11,
    c: 3,
    k: [3, 3],
    s: [1, 1],
    d: [1, 1],
    pad: 'same',
    out: 8,
    activation: 'relu',
    bias: true,
  },
  {
    n: 3,
    h: 13,
    w: 13,
    c: 32,
    k: [3, 3],
    s: [1, 1],
    d: [1, 1],
    pad: 'valid',
    out: 16,
    activation: 'relu',
    bias: true,
  },
  {
    n: 2,
    h: 11,
    w: 9,
    c: 5,
    k: [3, 3],
    s: [2, 2],
    d: [1, 1],
    pad: 'same',
    out: 16,
    activation: 'relu6',
    bias: true,
  },
  {
    n: 1,
    h: 12,
    w: 15,
    c: 1,
    k: [3, 3],
    s: [2, 2],
    d: [1, 1],
    pad: 'valid',
    out: 8,
    activation: 'linear',
    bias: false,
  },
  {
    n: 2,
    h: 10,
    w: 7,
    c: 7,
    k: [5, 3],
    s: [2, 1],
    d: [1, 1],
    pad: 'same',
    out: 24,
    activation: 'relu',
    bias: false,
  },
  {
    n: 2,
    h: 6,
    w: 17,
    c: 4,
    k: [2, 4],
    s: [1, 3],
    d: [1, 1],
    pad: 'valid',
    out: 8,
    activation: 'relu6',
    bias: false,
  },
  {
    n: 2,
    h: 7,
    w: 8,
    c: 6,
    k: [1, 1],
    s: [2, 2],
    d: [1, 1],
    pad: 'same',
    out: 8,
    activation: 'linear',
    bias: true,
  },
  {
    n: 1,
    h: 28,
    w: 28,
    c: 1,
    k: [3, 3],
    s: [1, 1],
    d: [1, 1],
    pad: 'valid',
    out: 32,
    activation: 'relu',
    bias: true,
  },
];

describe('Conv2D / FusedConv2D (replacement by the direct SIMD kernel)', () => {
  test.each(FORWARD_CASES)(
    'matches cpu: x[$n,$h,$w,$c] k$k s$s $pad → $out $activation bias $bias',
    async (c) => {
      const filterShape = [c.k[0], c.k[1], c.c, c.out];
      const inputs: Record<string, { values: Float32Array; shape: number[] }> = {
        x: random([c.n, c.h, c.w, c.c], 5),
        filter: random(filterShape, 6),
      };
      if (c.bias) inputs['bias'] = random([c.out], 7);
      const attrs = {
        strides: c.s,
        pad: c.pad,
        dataFormat: 'NHWC',
        dilations: [1, 1],
        activation: c.activation,
      };
      const expected = await run('cpu', 'FusedConv2D', inputs, attrs);
      expectClose(await run('wasm', 'FusedConv2D', inputs, attrs), expected);
      // The direct SIMD kernel itself (a silent fallback to the stock kernel fails here).
      await tf.setBackend('wasm');
      const simd = heapSimd(tf.backend() as unknown as HeapBackend)!;
      const x = tf.tensor4d(inputs['x']!.values, [c.n, c.h, c.w, c.c]);
      const filter = tf.tensor4d(
        inputs['filter']!.values,
        filterShape as [number, number, number, number],
      );
      const bias = c.bias ? tf.tensor1d(inputs['bias']!.values) : undefined;
      const info = conv2dForwardSimd(simd, {
        x,
        filter,
        bias,
        strides: c.s,
        pad: c.pad,
        dilations: 1,
        activation: c.activation,
      })!;
      expect(info).toBeDefined();
      const y = tf.engine().makeTensorFromTensorInfo(info);
      expectClose({ values: y.dataSync() as Float32Array, shape: y.shape }, expected);
      tf.dispose([x, filter, y, ...(bias === undefined ? [] : [bias])]);
      if (!c.bias && c.activation === 'linear') {
        const plain = { strides: c.s, pad: c.pad, dataFormat: 'NHWC', dilations: [1, 1] };
        expectClose(
          await run('wasm', 'Conv2D', inputs, plain),
          await run('cpu', 'Conv2D', inputs, plain),
        );
      }
    },
  );

  test('leaves what it does not take to the stock kernel (cout % 8 ≠ 0, pointwise, leaky ReLU)', async () => {
    await tf.setBackend('wasm');
    const simd = heapSimd(tf.backend() as unknown as HeapBackend)!;
    const x = tf.tensor4d(random([1, 5, 5, 8], 1).values, [1, 5, 5, 8]);
    const f6 = tf.tensor4d(random([3, 3, 8, 6], 2).values, [3, 3, 8, 6]);
    const f1x1 = tf.tensor4d(random([1, 1, 8, 8], 3).values, [1, 1, 8, 8]);
    const f8 = tf.tensor4d(random([3, 3, 8, 8], 4).values, [3, 3, 8, 8]);
    const call: ForwardConvCall = {
      x,
      filter: f8,
      strides: 1,
      pad: 'same',
      dilations: 1,
      activation: 'relu',
    };
    expect(conv2dForwardSimd(simd, { ...call, filter: f6 })).toBeUndefined();
    expect(conv2dForwardSimd(simd, { ...call, filter: f1x1 })).toBeUndefined();
    expect(conv2dForwardSimd(simd, { ...call, dilations: 2 })).toBeUndefined();
    expect(conv2dForwardSimd(simd, { ...call, activation: 'leakyrelu' })).toBeUndefined();
    // and the stock kernel still answers for these through the replacement
    const inputs = { x: random([1, 5, 5, 8], 1), filter: random([3, 3, 8, 6], 2) };
    const attrs = { strides: 1, pad: 'same', dataFormat: 'NHWC', dilations: 1, activation: 'relu' };
    expectClose(
      await run('wasm', 'FusedConv2D', inputs, attrs),
      await run('cpu', 'FusedConv2D', inputs, attrs),
    );
    tf.dispose([x, f6, f1x1, f8]);
  });
});

const DEPTHWISE_CASES: (Case & { mult: number })[] = [
  { n: 2, h: 7, w: 6, c: 3, k: [3, 3], s: [1, 1], d: [1, 1], pad: 'same', out: 0, mult: 1 },
  { n: 2, h: 7, w: 6, c: 3, k: [3, 3], s: [1, 1], d: [1, 1], pad: 'valid', out: 0, mult: 2 },
  { n: 3, h: 9, w: 8, c: 4, k: [3, 3], s: [2, 2], d: [1, 1], pad: 'same', out: 0, mult: 1 },
  { n: 1, h: 9, w: 9, c: 2, k: [3, 2], s: [2, 1], d: [1, 1], pad: 'valid', out: 0, mult: 3 },
  { n: 2, h: 9, w: 9, c: 3, k: [3, 3], s: [1, 1], d: [2, 2], pad: 'same', out: 0, mult: 2 },
  { n: 2, h: 10, w: 9, c: 2, k: [3, 3], s: [1, 1], d: [2, 3], pad: 'valid', out: 0, mult: 1 },
  // MobileNet-like: channels past a multiple of 4 (vector + scalar lanes), odd sizes, stride 2
  { n: 3, h: 11, w: 9, c: 17, k: [3, 3], s: [2, 2], d: [1, 1], pad: 'same', out: 0, mult: 1 },
  { n: 2, h: 13, w: 13, c: 9, k: [3, 3], s: [2, 2], d: [1, 1], pad: 'valid', out: 0, mult: 2 },
  { n: 2, h: 8, w: 8, c: 16, k: [3, 3], s: [2, 2], d: [1, 1], pad: 'same', out: 0, mult: 1 },
  { n: 2, h: 7, w: 7, c: 6, k: [5, 5], s: [1, 1], d: [1, 1], pad: 'same', out: 0, mult: 2 },
  { n: 1, h: 12, w: 11, c: 5, k: [3, 3], s: [2, 2], d: [2, 2], pad: 'same', out: 0, mult: 2 },
  { n: 2, h: 9, w: 10, c: 7, k: [3, 3], s: [1, 1], d: [2, 1], pad: 'valid', out: 0, mult: 1 },
];

/** Both direct SIMD kernels and the composed JavaScript fallbacks. */
const SIMD_AND_JS = [true, false];

/** Naive dilated depthwise gradients (TF.js's cpu kernels ignore dilation in backprop). */
function naiveDepthwiseGrads(
  c: Case & { mult: number },
  x: Float32Array,
  dy: Float32Array,
  w: Float32Array,
  dyShape: number[],
) {
  const [, oh, ow] = dyShape as [number, number, number];
  const effH = (c.k[0] - 1) * c.d[0] + 1;
  const effW = (c.k[1] - 1) * c.d[1] + 1;
  const top = c.pad === 'same' ? Math.floor(Math.max(0, (oh - 1) * c.s[0] + effH - c.h) / 2) : 0;
  const left = c.pad === 'same' ? Math.floor(Math.max(0, (ow - 1) * c.s[1] + effW - c.w) / 2) : 0;
  const dw = new Float32Array(c.k[0] * c.k[1] * c.c * c.mult);
  const dx = new Float32Array(c.n * c.h * c.w * c.c);
  const cm = c.c * c.mult;
  for (let n = 0; n < c.n; n++)
    for (let i = 0; i < oh; i++)
      for (let j = 0; j < ow; j++)
        for (let a = 0; a < c.k[0]; a++)
          for (let e = 0; e < c.k[1]; e++) {
            const r = i * c.s[0] + a * c.d[0] - top;
            const q = j * c.s[1] + e * c.d[1] - left;
            if (r < 0 || q < 0 || r >= c.h || q >= c.w) continue;
            for (let ch = 0; ch < c.c; ch++)
              for (let m = 0; m < c.mult; m++) {
                const g = dy[((n * oh + i) * ow + j) * cm + ch * c.mult + m]!;
                const xi = ((n * c.h + r) * c.w + q) * c.c + ch;
                const wi = ((a * c.k[1] + e) * c.c + ch) * c.mult + m;
                dw[wi]! += x[xi]! * g;
                dx[xi]! += w[wi]! * g;
              }
          }
  return { dw, dx };
}

describe('DepthwiseConv2dNative backprop', () => {
  test.each(DEPTHWISE_CASES.filter((c) => c.d[0] > 1 || c.d[1] > 1))(
    'dilated: filter and input match a naive reference: x[$n,$h,$w,$c] ×$mult k$k d$d $pad',
    async (c) => {
      const filterShape = [c.k[0], c.k[1], c.c, c.mult];
      const dyShape = [
        c.n,
        outSize(c.h, c.k[0], c.s[0], c.d[0], c.pad),
        outSize(c.w, c.k[1], c.s[1], c.d[1], c.pad),
        c.c * c.mult,
      ];
      const x = random([c.n, c.h, c.w, c.c], 5);
      const dy = random(dyShape, 6);
      const w = random(filterShape, 8);
      const ref = naiveDepthwiseGrads(c, x.values, dy.values, w.values, dyShape);
      const fAttrs = { strides: c.s, dilations: c.d, pad: c.pad, filterShape };
      const iAttrs = { strides: c.s, dilations: c.d, pad: c.pad, inputShape: [c.n, c.h, c.w, c.c] };
      for (const simd of SIMD_AND_JS) {
        setHeapSimdEnabled(simd);
        try {
          expectClose(await run('wasm', 'DepthwiseConv2dNativeBackpropFilter', { x, dy }, fAttrs), {
            values: ref.dw,
            shape: filterShape,
          });
          expectClose(
            await run('wasm', 'DepthwiseConv2dNativeBackpropInput', { dy, filter: w }, iAttrs),
            { values: ref.dx, shape: x.shape },
          );
        } finally {
          setHeapSimdEnabled(true);
        }
      }
    },
  );

  test.each(DEPTHWISE_CASES.filter((c) => c.d[0] === 1 && c.d[1] === 1))(
    'filter and input match cpu: x[$n,$h,$w,$c] ×$mult k$k s$s d$d $pad',
    async (c) => {
      const filterShape = [c.k[0], c.k[1], c.c, c.mult];
      const dyShape = [
        c.n,
        outSize(c.h, c.k[0], c.s[0], c.d[0], c.pad),
        outSize(c.w, c.k[1], c.s[1], c.d[1], c.pad),
        c.c * c.mult,
      ];
      const fIn = { x: random([c.n, c.h, c.w, c.c], 5), dy: random(dyShape, 6) };
      const fAttrs = { strides: c.s, dilations: c.d, pad: c.pad, filterShape };
      expectClose(
        await run('wasm', 'DepthwiseConv2dNativeBackpropFilter', fIn, fAttrs),
        await run('cpu', 'DepthwiseConv2dNativeBackpropFilter', fIn, fAttrs),
      );
      const iIn = { dy: random(dyShape, 7), filter: random(filterShape, 8) };
      const iAttrs = { strides: c.s, dilations: c.d, pad: c.pad, inputShape: [c.n, c.h, c.w, c.c] };
      const cpuFilter = await run('cpu', 'DepthwiseConv2dNativeBackpropFilter', fIn, fAttrs);
      const cpuInput = await run('cpu', 'DepthwiseConv2dNativeBackpropInput', iIn, iAttrs);
      for (const simd of SIMD_AND_JS) {
        setHeapSimdEnabled(simd);
        try {
          expectClose(
            await run('wasm', 'DepthwiseConv2dNativeBackpropFilter', fIn, fAttrs),
            cpuFilter,
          );
          expectClose(
            await run('wasm', 'DepthwiseConv2dNativeBackpropInput', iIn, iAttrs),
            cpuInput,
          );
        } finally {
          setHeapSimdEnabled(true);
        }
      }
    },
  );

  test.each([
    {
      pad: [
        [0, 0],
        [1, 2],
        [0, 1],
        [0, 0],
      ],
      s: [2, 2],
      mult: 1,
    },
    {
      pad: [
        [0, 0],
        [2, 0],
        [1, 1],
        [0, 0],
      ],
      s: [1, 2],
      mult: 2,
    },
  ])('explicit padding $pad, strides $s, ×$mult: filter and input match cpu', async (c) => {
    const [n, h, w, ch] = [2, 9, 8, 6];
    const filterShape = [3, 3, ch, c.mult];
    const oh = Math.floor((h + c.pad[1]![0]! + c.pad[1]![1]! - 3) / c.s[0]!) + 1;
    const ow = Math.floor((w + c.pad[2]![0]! + c.pad[2]![1]! - 3) / c.s[1]!) + 1;
    const dyShape = [n, oh, ow, ch * c.mult];
    const fIn = { x: random([n, h, w, ch], 15), dy: random(dyShape, 16) };
    const fAttrs = { strides: c.s, dilations: [1, 1], pad: c.pad, filterShape };
    const iIn = { dy: random(dyShape, 17), filter: random(filterShape, 18) };
    const iAttrs = { strides: c.s, dilations: [1, 1], pad: c.pad, inputShape: [n, h, w, ch] };
    const cpuFilter = await run('cpu', 'DepthwiseConv2dNativeBackpropFilter', fIn, fAttrs);
    const cpuInput = await run('cpu', 'DepthwiseConv2dNativeBackpropInput', iIn, iAttrs);
    for (const simd of SIMD_AND_JS) {
      setHeapSimdEnabled(simd);
      try {
        expectClose(
          await run('wasm', 'DepthwiseConv2dNativeBackpropFilter', fIn, fAttrs),
          cpuFilter,
        );
        expectClose(await run('wasm', 'DepthwiseConv2dNativeBackpropInput', iIn, iAttrs), cpuInput);
      } finally {
        setHeapSimdEnabled(true);
      }
    }
  });
});

describe('training batch norm kernels (wasm) match the composed cpu computation', () => {
  /** Batch-norm forward and its gradients, composed from TF.js ops on the cpu backend. */
  async function composed(
    x: tf.Tensor,
    gamma: tf.Tensor,
    beta: tf.Tensor,
    dy: tf.Tensor,
    eps: number,
  ): Promise<Float32Array[]> {
    const axes = [...Array(x.rank - 1).keys()];
    const f = (xi: tf.Tensor, g: tf.Tensor, b: tf.Tensor): tf.Tensor => {
      const { mean, variance } = tf.moments(xi, axes);
      return tf.add(tf.mul(tf.mul(tf.sub(xi, mean), tf.rsqrt(tf.add(variance, eps))), g), b);
    };
    const { mean, variance } = tf.moments(x, axes);
    const y = f(x, gamma, beta);
    const grads = tf.grads((a, b, c) => f(a!, b!, c!))([x, gamma, beta], dy);
    const out = await Promise.all(
      [y, mean, variance, ...grads].map(async (t) => (await t.data()) as Float32Array),
    );
    tf.dispose([y, mean, variance, ...grads]);
    return out;
  }

  test.each([
    { shape: [4, 5, 3, 8], eps: 1e-3 },
    { shape: [3, 7, 5, 13], eps: 1e-3 }, // channels: 3 vectors + 1 scalar lane
    { shape: [2, 3, 3, 3], eps: 1e-5 },
    { shape: [64, 1, 1, 6], eps: 1e-3 },
    { shape: [5, 9, 7, 20], eps: 1e-3, offset: 100 }, // mean ≫ deviation; 5 row chunks + 10
  ])('x$shape ε $eps: y, mean, variance and dx, dgamma, dbeta (SIMD and JavaScript)', async (c) => {
    const ch = c.shape[3]!;
    const offset = 'offset' in c ? (c.offset ?? 0) : 0;
    const xv = random(c.shape, 61).values.map((v, i) => v * 3 + (i % ch) + offset); // per channel
    const gv = random([ch], 62).values.map((v) => v + 1);
    const bv = random([ch], 63).values;
    const dyv = random(c.shape, 64).values;
    await tf.setBackend('cpu');
    const t = (v: Float32Array, s: number[]): tf.Tensor => tf.tensor(v, s);
    const cx = t(xv, c.shape);
    const cg = t(gv, [ch]);
    const cb = t(bv, [ch]);
    const cdy = t(dyv, c.shape);
    const [y, mean, variance, dx, dgamma, dbeta] = await composed(cx, cg, cb, cdy, c.eps);
    tf.dispose([cx, cg, cb, cdy]);
    const near = (a: Float32Array, b: Float32Array, shape: number[]): void =>
      expectClose({ values: a, shape }, { values: b!, shape });
    for (const simd of SIMD_AND_JS) {
      setHeapSimdEnabled(simd);
      try {
        await tf.setBackend('wasm');
        const x = t(xv, c.shape);
        const g = t(gv, [ch]);
        const b = t(bv, [ch]);
        const dyT = t(dyv, c.shape);
        const fwd = tf.engine().runKernel(BATCH_NORM_TRAINING, { x, scale: g, offset: b }, {
          epsilon: c.eps,
        } as unknown as tf.NamedAttrMap) as tf.Tensor[];
        const [wy, , , wmean, wvar, wrstd] = await Promise.all(
          fwd.map(async (o) => (await o.data()) as Float32Array),
        );
        near(wy!, y!, c.shape);
        near(wmean!, mean!, [ch]);
        near(wvar!, variance!, [ch]);
        near(
          wrstd!,
          variance!.map((v) => 1 / Math.sqrt(v + c.eps)),
          [ch],
        );
        const grads = tf
          .engine()
          .runKernel(
            BATCH_NORM_TRAINING_GRAD,
            { dy: dyT, x, scale: g, mean: fwd[3]!, variance: fwd[4]!, reserve: fwd[5]! },
            { epsilon: c.eps } as unknown as tf.NamedAttrMap,
          ) as tf.Tensor[];
        const [wdx, wdg, wdb] = await Promise.all(
          grads.map(async (o) => (await o.data()) as Float32Array),
        );
        near(wdx!, dx!, c.shape);
        near(wdg!, dgamma!, [ch]);
        near(wdb!, dbeta!, [ch]);
        tf.dispose([x, g, b, dyT, ...fwd, ...grads]);
      } finally {
        setHeapSimdEnabled(true);
      }
    }
  });

  test('momentsFromShiftedSums (hand-computed): x = 101, 103, 105 shifted by 101', () => {
    // Σ (x − 101) = 0 + 2 + 4 = 6, Σ (x − 101)² = 0 + 4 + 16 = 20: mean 103, variance 20/3 − 4.
    const mean = new Float32Array(1);
    const variance = new Float32Array(1);
    momentsFromShiftedSums(
      Float32Array.of(101),
      Float32Array.of(6),
      Float32Array.of(20),
      3,
      mean,
      variance,
    );
    expect(mean[0]).toBe(103);
    expect(variance[0]).toBeCloseTo(8 / 3, 6);
  });

  test('batchNormCoefficients and batchNormGradCoefficients (hand-computed)', () => {
    // mean 1, variance 3, ε 1: rstd 0.5; γ 2, β 1: y = x·1 + (1 − 1·1) = x.
    const f = batchNormCoefficients(
      Float32Array.of(1),
      Float32Array.of(3),
      Float32Array.of(2),
      Float32Array.of(1),
      1,
    );
    expect([f.rstd[0], f.scale[0], f.shift[0]]).toEqual([0.5, 1, 0]);
    // M = 4, Σdy = 8, Σdy(x − mean) = 4: dgamma = 2, a = 1, b = −1·0.5·2/4 = −0.25,
    // k = −1·8/4 − (−0.25)·1 = −1.75.
    const g = batchNormGradCoefficients(
      Float32Array.of(2),
      Float32Array.of(1),
      Float32Array.of(0.5),
      Float32Array.of(8),
      Float32Array.of(4),
      4,
    );
    expect([g.dgamma[0], g.a[0], g.b[0], g.k[0]]).toEqual([2, 1, -0.25, -1.75]);
  });
});

describe('UnsortedSegmentSum', () => {
  test.each([
    { xShape: [6], ids: [0, 2, 2, 1, 0, 4], num: 5 },
    { xShape: [5, 3], ids: [1, 1, 0, 3, 1], num: 4 },
    { xShape: [4, 2], ids: [0, -1, 5, 1], num: 2 },
  ])('matches cpu for x$xShape and ids $ids', async ({ xShape, ids, num }) => {
    const inputs = {
      x: random(xShape, 9),
      segmentIds: { values: Int32Array.from(ids), shape: [ids.length], dtype: 'int32' as const },
    };
    expectClose(
      await run('wasm', 'UnsortedSegmentSum', inputs, { numSegments: num }),
      await run('cpu', 'UnsortedSegmentSum', inputs, { numSegments: num }),
    );
  });
});

test('UnsortedSegmentSum with rank-2 segment ids (hand-computed)', async () => {
  const x = {
    values: Float32Array.from([1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12]),
    shape: [2, 3, 2],
  };
  const segmentIds = {
    values: Int32Array.from([0, 1, 0, 1, 1, 2]),
    shape: [2, 3],
    dtype: 'int32' as const,
  };
  const out = await run('wasm', 'UnsortedSegmentSum', { x, segmentIds }, { numSegments: 3 });
  expect(out.shape).toEqual([3, 2]);
  expect(Array.from(out.values)).toEqual([1 + 5, 2 + 6, 3 + 7 + 9, 4 + 8 + 10, 11, 12]);
});

describe('MaxPoolGrad (replaced where the pooling pads)', () => {
  test.each([
    { h: 5, w: 5, k: [3, 3], s: [2, 2], pad: 'same' },
    { h: 4, w: 6, k: [3, 3], s: [2, 2], pad: 'same' },
    { h: 5, w: 5, k: [2, 2], s: [2, 2], pad: 'same' },
    { h: 5, w: 4, k: [3, 3], s: [1, 1], pad: 'same' },
    { h: 7, w: 7, k: [3, 2], s: [2, 1], pad: 'same' },
    { h: 6, w: 7, k: [3, 3], s: [2, 2], pad: 'valid' },
    { h: 4, w: 4, k: [2, 2], s: [2, 2], pad: 'valid' },
    { h: 5, w: 7, k: [2, 2], s: [2, 2], pad: 'valid', negative: true },
    { h: 6, w: 6, k: [3, 3], s: [3, 3], pad: 'valid', negative: true },
  ])('matches cpu: x[2,$h,$w,3] k$k s$s $pad', async ({ h, w, k, s, pad, negative }) => {
    const x = random([2, h, w, 3], 11);
    // All-negative windows (the stock wasm kernel routes their gradient nowhere).
    if (negative === true) x.values.forEach((v, i) => (x.values[i] = v - 1));
    await tf.setBackend('cpu');
    const y = tf.maxPool(
      tf.tensor4d(x.values, x.shape as [number, number, number, number]),
      k as [number, number],
      s as [number, number],
      pad as 'same',
    );
    const output = { values: y.dataSync() as Float32Array, shape: y.shape };
    const inputs = { dy: random(y.shape, 12), input: x, output };
    y.dispose();
    const attrs = { filterSize: k, strides: s, pad };
    expectClose(
      await run('wasm', 'MaxPoolGrad', inputs, attrs),
      await run('cpu', 'MaxPoolGrad', inputs, attrs),
    );
  });
});

describe('MaxPool 2×2/2 (replacement by the SIMD kernel)', () => {
  test.each([
    { n: 2, h: 4, w: 6, c: 8, pad: 'valid' },
    { n: 3, h: 7, w: 5, c: 5, pad: 'valid' }, // odd sizes: last row/column ignored; 4 + 1 lanes
    { n: 1, h: 26, w: 26, c: 32, pad: 'valid' },
    { n: 2, h: 6, w: 4, c: 3, pad: 'same' }, // even sizes: 'same' pads nothing
  ])('matches cpu: x[$n,$h,$w,$c] $pad', async ({ n, h, w, c, pad }) => {
    const inputs = { x: random([n, h, w, c], 13) };
    const attrs = { filterSize: 2, strides: 2, pad };
    const expected = await run('cpu', 'MaxPool', inputs, attrs);
    expectClose(await run('wasm', 'MaxPool', inputs, attrs), expected);
    // The SIMD kernel itself (a silent fallback to the stock kernel fails here).
    await tf.setBackend('wasm');
    const simd = heapSimd(tf.backend() as unknown as HeapBackend)!;
    const x = tf.tensor4d(inputs.x.values, [n, h, w, c]);
    const info = maxPool2x2Simd(simd, x, poolGeometry(x.shape, 2, 2, pad as 'valid'))!;
    expect(info).toBeDefined();
    const y = tf.engine().makeTensorFromTensorInfo(info);
    expectClose({ values: y.dataSync() as Float32Array, shape: y.shape }, expected);
    tf.dispose([x, y]);
  });

  test('hand-computed: the maximum of each window, negative windows included', async () => {
    await tf.setBackend('wasm');
    const simd = heapSimd(tf.backend() as unknown as HeapBackend)!;
    // x[1, 2, 4, 1]: windows [1, 5; -2, 0] and [-3, -1; -4, -2]
    const x = tf.tensor4d([1, 5, -3, -1, -2, 0, -4, -2], [1, 2, 4, 1]);
    const y = tf
      .engine()
      .makeTensorFromTensorInfo(maxPool2x2Simd(simd, x, poolGeometry(x.shape, 2, 2, 'valid'))!);
    expect(Array.from(y.dataSync())).toEqual([5, -1]);
    expect(y.shape).toEqual([1, 1, 2, 1]);
    tf.dispose([x, y]);
  });

  test('leaves other windows to the stock kernel (3×3, stride 1, padded)', async () => {
    await tf.setBackend('wasm');
    const simd = heapSimd(tf.backend() as unknown as HeapBackend)!;
    const x = tf.tensor4d(random([1, 5, 5, 4], 14).values, [1, 5, 5, 4]);
    expect(maxPool2x2Simd(simd, x, poolGeometry(x.shape, 3, 2, 'valid'))).toBeUndefined();
    expect(maxPool2x2Simd(simd, x, poolGeometry(x.shape, 2, 1, 'valid'))).toBeUndefined();
    expect(maxPool2x2Simd(simd, x, poolGeometry(x.shape, 2, 2, 'same'))).toBeUndefined();
    const inputs = { x: random([1, 5, 5, 4], 14) };
    const attrs = { filterSize: 3, strides: 2, pad: 'same' };
    expectClose(
      await run('wasm', 'MaxPool', inputs, attrs),
      await run('cpu', 'MaxPool', inputs, attrs),
    );
    x.dispose();
  });
});

describe('maxPoolGradInto (hand-computed)', () => {
  const geometry = (
    shape: [number, number, number, number],
    k: [number, number],
    s: [number, number],
    pad: 'same' | 'valid',
  ): PoolGeometry => poolGeometry(shape, k, s, pad);

  test('2×2/2 valid: each dy goes to its window maximum, ties to the first in row-major order', () => {
    const x = new Float32Array([1, 3, 2, 2, 0, 3, -1, 5]); // [1, 2, 4, 1]
    const dx = new Float32Array(8);
    maxPoolGradInto(
      x,
      new Float32Array([10, 20]),
      geometry([1, 2, 4, 1], [2, 2], [2, 2], 'valid'),
      dx,
    );
    expect([...dx]).toEqual([0, 10, 0, 0, 0, 0, 0, 20]);
  });

  test("overlapping 'same' windows accumulate; the padded position never wins", () => {
    const dx = new Float32Array(3);
    const g = geometry([1, 1, 3, 1], [1, 2], [1, 1], 'same'); // windows [1,5] [5,2] [2,pad]
    maxPoolGradInto(new Float32Array([1, 5, 2]), new Float32Array([1, 2, 4]), g, dx);
    expect([...dx]).toEqual([0, 3, 4]);
  });

  test('all-negative windows and several channels', () => {
    // [1, 1, 2, 2]: channel 0 = [-2, -1], channel 1 = [-3, -3] (tie → first).
    const dx = new Float32Array(4);
    const g = geometry([1, 1, 2, 2], [1, 2], [1, 2], 'valid');
    maxPoolGradInto(new Float32Array([-2, -3, -1, -3]), new Float32Array([7, 9]), g, dx);
    expect([...dx]).toEqual([0, 9, 7, 0]);
  });
});

describe('Sum over leading axes (replacement)', () => {
  test.each([
    { shape: [4, 5, 3], axis: [0, 1], keepDims: false },
    { shape: [4, 5, 3], axis: [1, 0], keepDims: true },
    { shape: [2, 3, 4, 5], axis: [0, 1, 2], keepDims: false },
    { shape: [6, 7], axis: 0, keepDims: false },
    { shape: [4, 5, 3], axis: [-3], keepDims: false },
    { shape: [4, 5, 3], axis: [1, 2], keepDims: false }, // not a leading prefix: stock kernel
    { shape: [4, 5, 3], axis: [0, 1, 2], keepDims: false }, // full reduction: stock kernel
  ])('matches cpu: $shape over $axis keepDims $keepDims', async ({ shape, axis, keepDims }) => {
    const inputs = { x: random(shape, 21) };
    const attrs = { axis, keepDims };
    expectClose(await run('wasm', 'Sum', inputs, attrs), await run('cpu', 'Sum', inputs, attrs));
  });

  test('leaves int32 sums to the stock kernel', async () => {
    const x = {
      values: new Int32Array([1, 2, 3, 4, 5, 6]),
      shape: [3, 2],
      dtype: 'int32' as const,
    };
    const out = await run('wasm', 'Sum', { x }, { axis: [0], keepDims: false });
    expect([...out.values]).toEqual([9, 12]);
  });
});

test('Identity shares the buffer and both tensors stay valid after either is disposed', async () => {
  await tf.setBackend('wasm');
  const before = tf.memory().numDataBuffers;
  const x = tf.tensor1d([1, 2, 3]);
  const y = tf.engine().runKernel('Identity', { x }) as tf.Tensor;
  expect(tf.memory().numDataBuffers - before).toBe(1); // one buffer for both
  x.dispose();
  expect([...(await y.data())]).toEqual([1, 2, 3]);
  const z = tf.add(y, 1);
  y.dispose();
  expect([...(await z.data())]).toEqual([2, 3, 4]);
  z.dispose();
  expect(tf.memory().numDataBuffers).toBe(before);
});

describe('WebAssembly SIMD kernels', () => {
  test('kernels-binary.ts is kernels.wat assembled (run tools/build-simd-kernels.cjs after editing)', async () => {
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    const build = require('../../../../tools/build-simd-kernels.cjs') as {
      assemble(
        text: string,
      ): Promise<{ plain: string; shared: string; params: Record<string, string[]> }>;
      WAT: string;
    };
    const built = await build.assemble(readFileSync(build.WAT, 'utf8'));
    expect(built.plain).toBe(SIMD_KERNELS_PLAIN);
    expect(built.shared).toBe(SIMD_KERNELS_SHARED);
    // The binding table: every export with its parameter names, in order.
    expect(built.params).toEqual(SIMD_KERNEL_PARAMS);
    expect(built.params['convInputGradBlocked']).toEqual([
      'dy',
      'wt',
      'dx',
      'n',
      'inH',
      'inW',
      'cin',
      'oh',
      'ow',
      'kh',
      'kw',
      'cout',
      'sh',
      'sw',
      'top',
      'left',
    ]);
  });

  test('are in use on the wasm backend here', async () => {
    await tf.setBackend('wasm');
    expect(heapSimd(tf.backend() as unknown as HeapBackend)).toBeDefined();
  });

  const compareSimdAndJs = async (
    kernel: string,
    inputs: Parameters<typeof run>[2],
    attrs: object,
  ): Promise<void> => {
    const cpu = await run('cpu', kernel, inputs, attrs);
    const simd = await run('wasm', kernel, inputs, attrs);
    setHeapSimdEnabled(false);
    try {
      const js = await run('wasm', kernel, inputs, attrs);
      expectClose(js, cpu);
    } finally {
      setHeapSimdEnabled(true);
    }
    expectClose(simd, cpu);
  };

  test.each([
    { h: 4, w: 6, c: 8 },
    { h: 5, w: 7, c: 5 }, // odd sizes: last row/column outside every window; 4 + 1 channels
    { h: 6, w: 4, c: 3 },
  ])('MaxPoolGrad 2×2/2 x[2,$h,$w,$c] matches cpu (SIMD and JavaScript)', async ({ h, w, c }) => {
    const x = random([2, h, w, c], 31);
    // Ties inside windows, and an all-negative window.
    for (let i = 0; i < x.values.length; i += 7) x.values[i + 1] = x.values[i]!;
    x.values.fill(-5, 0, c);
    x.values.fill(-7, c, 2 * c);
    const oh = Math.floor(h / 2);
    const ow = Math.floor(w / 2);
    await tf.setBackend('cpu');
    const y = tf.maxPool(tf.tensor4d(x.values, [2, h, w, c]), 2, 2, 'valid');
    const output = { values: y.dataSync() as Float32Array, shape: y.shape };
    y.dispose();
    await compareSimdAndJs(
      'MaxPoolGrad',
      { dy: random([2, oh, ow, c], 32), input: x, output },
      { filterSize: [2, 2], strides: [2, 2], pad: 'valid' },
    );
  });

  test.each([
    { shape: [64, 7], axis: [0] },
    { shape: [3, 5, 9], axis: [0, 1] },
    { shape: [2, 3, 4, 8], axis: [0, 1, 2] },
  ])('Sum $shape over $axis matches cpu (SIMD and JavaScript)', async ({ shape, axis }) => {
    await compareSimdAndJs('Sum', { x: random(shape, 41) }, { axis, keepDims: false });
  });

  test('ReluGrad is dy where x > 0, else 0 (hand-computed, SIMD and JavaScript)', async () => {
    const x = new Float32Array([-1, 0, 2, 3, -0, 5, -2, 1e-30, 4]); // 8 vector lanes + 1 scalar
    const dy = new Float32Array([1, 2, 3, 4, 5, 6, 7, 8, 9]);
    const expected = [0, 0, 3, 4, 0, 6, 0, 8, 9];
    for (const simd of [true, false]) {
      setHeapSimdEnabled(simd);
      try {
        const out = await run(
          'wasm',
          'ReluGrad',
          { dy: { values: dy, shape: [9] }, x: { values: x, shape: [9] } },
          {},
        );
        expect([...out.values]).toEqual(expected);
      } finally {
        setHeapSimdEnabled(true);
      }
    }
    const js = new Float32Array(9);
    reluGradInto(dy, x, js);
    expect([...js]).toEqual(expected);
  });

  test('Relu6Grad is dy where 0 < x < 6, else 0 (hand-computed, SIMD and JavaScript)', async () => {
    const x = new Float32Array([-1, 0, 2, 6, 5.999, 7, -0, 1e-30, 6.5]); // 8 vector lanes + 1
    const dy = new Float32Array([1, 2, 3, 4, 5, 6, 7, 8, 9]);
    const expected = [0, 0, 3, 0, 5, 0, 0, 8, 0];
    for (const simd of SIMD_AND_JS) {
      setHeapSimdEnabled(simd);
      try {
        const out = await run(
          'wasm',
          RELU6_GRAD,
          { dy: { values: dy, shape: [9] }, x: { values: x, shape: [9] } },
          {},
        );
        expect([...out.values]).toEqual(expected);
      } finally {
        setHeapSimdEnabled(true);
      }
    }
    const js = new Float32Array(9);
    relu6GradInto(dy, x, js);
    expect([...js]).toEqual(expected);
  });

  test('tf.grad of relu6 runs through the fused Relu6Grad on wasm', async () => {
    await tf.setBackend('wasm');
    const xv = random([5, 9], 53).values.map((v) => v * 16);
    const dyv = random([5, 9], 54).values;
    const x = tf.tensor2d(xv, [5, 9]);
    const dy = tf.tensor2d(dyv, [5, 9]);
    const seen: string[] = [];
    const profile = await tf.profile(() => tf.grad((t: tf.Tensor) => tf.relu6(t))(x, dy));
    for (const k of profile.kernels) seen.push(k.name);
    const g = tf.grad((t: tf.Tensor) => tf.relu6(t))(x, dy);
    expect(seen).toContain(RELU6_GRAD);
    expect([...((await g.data()) as Float32Array)]).toEqual(
      [...xv].map((v, i) => (v > 0 && v < 6 ? dyv[i]! : 0)),
    );
    tf.dispose([x, dy, g]);
  });

  test('tf.grad of relu runs through ReluGrad on wasm (dy where x > 0)', async () => {
    await tf.setBackend('wasm');
    const xv = random([6, 7], 51).values;
    const dyv = random([6, 7], 52).values;
    const x = tf.tensor2d(xv, [6, 7]);
    const dy = tf.tensor2d(dyv, [6, 7]);
    const g = tf.grad((t: tf.Tensor) => tf.relu(t))(x, dy);
    expect([...((await g.data()) as Float32Array)]).toEqual(
      [...xv].map((v, i) => (v > 0 ? dyv[i]! : 0)),
    );
    tf.dispose([x, dy, g]);
  });
});

describe('BatchMatMul with transposed operands (replacement)', () => {
  test.each([
    { a: [5, 3], b: [4, 5], transposeA: true, transposeB: true },
    { a: [3, 5], b: [4, 5], transposeA: false, transposeB: true },
    { a: [5, 3], b: [5, 4], transposeA: true, transposeB: false },
    { a: [2, 6, 3], b: [2, 6, 4], transposeA: true, transposeB: false },
    { a: [1, 3, 6], b: [2, 4, 6], transposeA: false, transposeB: true }, // broadcast batch
    // aᵀ·b on the SIMD GEMM: whole 4 × 8 blocks, blocks with edges, > 64 rows (two chunks)
    { a: [64, 12], b: [64, 16], transposeA: true, transposeB: false },
    { a: [2, 70, 13], b: [2, 70, 11], transposeA: true, transposeB: false },
    { a: [1, 9, 37], b: [1, 9, 10], transposeA: true, transposeB: false },
    { a: [2, 5, 8], b: [1, 5, 8], transposeA: true, transposeB: false }, // broadcast batch
  ])('matches cpu: a$a b$b tA $transposeA tB $transposeB', async ({ a, b, ...attrs }) => {
    const inputs = { a: random(a, 61), b: random(b, 62) };
    expectClose(
      await run('wasm', 'BatchMatMul', inputs, attrs),
      await run('cpu', 'BatchMatMul', inputs, attrs),
    );
  });
});
