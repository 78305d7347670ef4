import * as tf from '@tensorflow/tfjs-core';
import { convGeometry, type ConvGeometry, type PadAttr } from './conv-geometry';
import { runByImages, runByImagesSummed } from './split-by-images';
import type { HeapSimd } from './wasm-heap';

type Rounding = 'floor' | 'round' | 'ceil' | undefined;

function run(
  simd: HeapSimd,
  src: tf.TensorInfo,
  dy: tf.TensorInfo,
  out: tf.TensorInfo,
  filterGrad: 0 | 1,
  g: ConvGeometry,
  channels: number,
): void {
  const at = simd.address;
  const args = {
    src: at(src),
    dy: at(dy),
    out: at(out),
    filterGrad,
    n: g.batch,
    inH: g.inH,
    inW: g.inW,
    c: channels,
    outH: g.outH,
    outW: g.outW,
    kh: g.kh,
    kw: g.kw,
    sh: g.sh,
    sw: g.sw,
    dh: g.dh,
    dw: g.dw,
    top: g.top,
    left: g.left,
  };
  const inputImage = g.inH * g.inW * channels * 4;
  const outputImage = g.outH * g.outW * channels * 4;
  if (filterGrad === 1) {
    // dW sums over the images: per-thread partial sums.
    runByImagesSummed(simd, 'depthwiseBackprop', args, {
      batch: 'n',
      perImage: { src: inputImage, dy: outputImage },
      outs: { out: g.kh * g.kw * channels },
    });
  } else {
    runByImages(simd, 'depthwiseBackprop', args, {
      batch: 'n',
      perImage: { dy: outputImage, out: inputImage },
    });
  }
}

/** x [n, h, w, c] with every channel repeated `mult` times: [n, h, w, c·mult] (channel c·mult + m = c). */
function repeatChannels(x: tf.Tensor4D, mult: number): tf.Tensor4D {
  const [n, h, w, c] = x.shape;
  return tf.tidy(() =>
    tf.reshape(tf.tile(tf.reshape(x, [n, h, w, c, 1]), [1, 1, 1, 1, mult]), [n, h, w, c * mult]),
  );
}

/**
 * DepthwiseConv2dNativeBackpropFilter as one WebAssembly SIMD pass over x and dy in the heap (any
 * stride, padding, dilation; no padded copy, no strided slices). A channel multiplier m > 1 runs
 * as multiplier 1 on x with each channel repeated m times.
 */
export function depthwiseBackpropFilterSimd(
  simd: HeapSimd,
  x: tf.Tensor4D,
  dy: tf.Tensor4D,
  filterShape: [number, number, number, number],
  strides: [number, number] | number,
  dilations: [number, number] | number,
  pad: PadAttr,
  dimRoundingMode?: Rounding,
): tf.TensorInfo {
  const g = convGeometry(x.shape, filterShape, strides, dilations, pad, dimRoundingMode, true);
  const [kh, kw, c, mult] = filterShape;
  const src = mult === 1 ? x : repeatChannels(x, mult);
  try {
    const out = simd.backend.makeOutput([kh, kw, c, mult], 'float32');
    run(simd, src, dy, out, 1, g, c * mult);
    return out;
  } finally {
    if (src !== x) src.dispose();
  }
}

/**
 * DepthwiseConv2dNativeBackpropInput as one WebAssembly SIMD pass scattering dy · w into dx (any
 * stride, padding, dilation). A multiplier m > 1 computes the [n, h, w, c·m] contributions and
 * sums each channel's m of them.
 */
export function depthwiseBackpropInputSimd(
  simd: HeapSimd,
  inputShape: [number, number, number, number],
  dy: tf.Tensor4D,
  filter: tf.Tensor4D,
  strides: [number, number] | number,
  dilations: [number, number] | number,
  pad: PadAttr,
  dimRoundingMode?: Rounding,
): tf.TensorInfo {
  const g = convGeometry(inputShape, filter.shape, strides, dilations, pad, dimRoundingMode, true);
  const [, , c, mult] = filter.shape;
  const [n, h, w] = inputShape;
  if (mult === 1) {
    const out = simd.backend.makeOutput([n, h, w, c], 'float32');
    run(simd, filter, dy, out, 0, g, c);
    return out;
  }
  return tf.tidy(() => {
    // A fresh tensor owned here, overwritten in place by the kernel.
    const spread = tf.zeros([n, h, w, c, mult]);
    run(simd, filter, dy, spread, 0, g, c * mult);
    return tf.sum(spread, -1);
  });
}
