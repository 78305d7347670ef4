import type * as tf from '@tensorflow/tfjs-core';
import { convGeometry, paddedInput, type PadAttr } from './conv-geometry';
import { convGradArgs } from './conv-grad-args';
import { isPointwise } from './conv2d-backprop';
import { runByImagesSummed } from './split-by-images';
import type { HeapSimd } from './wasm-heap';

/**
 * Up to this many input channels the filter gradient runs as a direct SIMD loop: the transposed
 * convolution is then a GEMM with a tiny M (the kernel taps) and a huge K (every pixel of the
 * batch), and XNNPACK repacks all of dy as its weights on every call. Measured with fresh tensors
 * (3×3 kernels, 32 filters, batch 64): 4.5 vs 17.0 ms at 1 channel, 10.7 vs 16.4 ms at 3, a tie
 * at 4.
 */
export const SIMD_FILTER_GRAD_MAX_IN_CHANNELS = 3;

/**
 * Conv2DBackpropFilter (NHWC, no dilation) as one WebAssembly SIMD pass over the heap, split by
 * images across the SIMD threads. 3×3 kernels with out channels % 4 = 0 keep their 9 taps in
 * registers (`tapsInRegisters`, default true; measured in tools/bench/engine/conv-grad-micro.ts),
 * others add each product to dW in memory.
 */
export function conv2dBackpropFilterSimd(
  simd: HeapSimd,
  x: tf.Tensor4D,
  dy: tf.Tensor4D,
  filterShape: [number, number, number, number],
  strides: [number, number] | number,
  pad: PadAttr,
  dimRoundingMode?: 'floor' | 'round' | 'ceil',
  tapsInRegisters = true,
): tf.TensorInfo {
  const g = convGeometry(x.shape, filterShape, strides, 1, pad, dimRoundingMode, false);
  const [kh, kw, cin, cout] = filterShape;
  const xp = paddedInput(x, g);
  try {
    const out = simd.backend.makeOutput([...filterShape], 'float32');
    const at = simd.address;
    const [, hp, wp] = xp.shape;
    const common = {
      xp: at(xp),
      dy: at(dy),
      dw: at(out),
      n: g.batch,
      hp,
      wp,
      cin,
      oh: g.outH,
      ow: g.outW,
      cout,
      sh: g.sh,
      sw: g.sw,
    };
    const split = {
      batch: 'n',
      perImage: { xp: hp * wp * cin * 4, dy: g.outH * g.outW * cout * 4 },
      outs: { dw: kh * kw * cin * cout },
    } as const;
    if (tapsInRegisters && kh === 3 && kw === 3 && cout % 4 === 0)
      runByImagesSummed(simd, 'convFilterGrad3x3', common, split);
    else runByImagesSummed(simd, 'convFilterGrad', { ...common, kh, kw }, split);
    return out;
  } finally {
    if (xp !== x) xp.dispose();
  }
}

/**
 * The filter gradient of a 1×1, stride-1 convolution as xᵀ·dy over all pixels in one SIMD pass
 * with register-blocked 4 × 8 outputs, or undefined where it does not apply (other geometry,
 * in channels not a multiple of 4 or out channels not a multiple of 8). XNNPACK's GEMM repacks
 * all of dy ([pixels, out]) as its weights on every call and has only in-channels rows to amortise it.
 */
export function pointwiseFilterGradSimd(
  simd: HeapSimd,
  x: tf.Tensor4D,
  dy: tf.Tensor4D,
  filterShape: [number, number, number, number],
  strides: [number, number] | number,
  pad: PadAttr,
  dimRoundingMode?: 'floor' | 'round' | 'ceil',
): tf.TensorInfo | undefined {
  const [, , cin, cout] = filterShape;
  if (cin % 4 !== 0 || cout % 8 !== 0) return undefined;
  const g = convGeometry(x.shape, filterShape, strides, 1, pad, dimRoundingMode, false);
  if (!isPointwise(g)) return undefined;
  const out = simd.backend.makeOutput([...filterShape], 'float32');
  const at = simd.address;
  // Split by pixel rows (each a "batch" of one row here).
  runByImagesSummed(
    simd,
    'gemmTransposedA',
    { a: at(x), b: at(dy), out: at(out), rows: g.batch * g.outH * g.outW, ca: cin, cb: cout },
    { batch: 'rows', perImage: { a: cin * 4, b: cout * 4 }, outs: { out: cin * cout } },
  );
  return out;
}

/**
 * The filter gradient of any convolution (NHWC, no dilation; any kernel size, stride and padding)
 * as one SIMD pass over the unpadded x and dy, split by images across the SIMD threads: per
 * kernel tap an xᵀ·dy over the output pixels with register-blocked 4 × 8 outputs, taps outside
 * the input skipped; undefined where in channels are not a multiple of 4 or out channels not a
 * multiple of 8. The transposed convolution it replaces is a GEMM whose weights (all of dy)
 * XNNPACK repacks on every call, after a padded copy of x and two transposes.
 */
export function blockedFilterGradSimd(
  simd: HeapSimd,
  x: tf.Tensor4D,
  dy: tf.Tensor4D,
  filterShape: [number, number, number, number],
  strides: [number, number] | number,
  pad: PadAttr,
  dimRoundingMode?: 'floor' | 'round' | 'ceil',
): tf.TensorInfo | undefined {
  const [kh, kw, cin, cout] = filterShape;
  if (cin % 4 !== 0 || cout % 8 !== 0) return undefined;
  const g = convGeometry(x.shape, filterShape, strides, 1, pad, dimRoundingMode, false);
  const { geometry, inputImageBytes, outputImageBytes } = convGradArgs(g, cin, cout);
  const out = simd.backend.makeOutput([...filterShape], 'float32');
  const at = simd.address;
  runByImagesSummed(
    simd,
    'convFilterGradBlocked',
    { ...geometry, x: at(x), dy: at(dy), dw: at(out) },
    {
      batch: 'n',
      perImage: { x: inputImageBytes, dy: outputImageBytes },
      outs: { dw: kh * kw * cin * cout },
    },
  );
  return out;
}
