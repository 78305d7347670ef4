import * as tf from '@tensorflow/tfjs-core';
import {
  convGeometry,
  paddedInput,
  spreadAndPadGradient,
  windowTaps,
  type PadAttr,
} from './conv-geometry';

export type FilterGradMethod = 'im2col' | 'conv';

/**
 * dW of a Conv2D (NHWC, no dilation as in TF.js's Conv2DBackpropFilter) from x and dy.
 * - 'im2col': the kh·kw window taps (strided slices) side by side, then one MatMul with dy.
 * - 'conv': a convolution of xᵀ ([C, H, W, N]) with dyᵀ ([oh, ow, N, cout]) dilated by the stride.
 */
export function conv2dBackpropFilter(
  x: tf.Tensor4D,
  dy: tf.Tensor4D,
  filterShape: [number, number, number, number],
  strides: [number, number] | number,
  pad: PadAttr,
  dimRoundingMode?: 'floor' | 'round' | 'ceil',
  method: FilterGradMethod = chooseFilterGradMethod(x.shape, filterShape),
): tf.Tensor4D {
  return tf.tidy(() => {
    const g = convGeometry(x.shape, filterShape, strides, 1, pad, dimRoundingMode, false);
    const [kh, kw, cin, cout] = filterShape;
    const xp = paddedInput(x, g);
    if (method === 'im2col') {
      // Taps stacked on a new leading axis (contiguous copies), then dW[k] = tapₖᵀ · dy.
      const m = g.batch * g.outH * g.outW;
      const taps = windowTaps(xp, g).map((t) => tf.reshape(t, [1, m, cin]));
      const stacked = taps.length === 1 ? taps[0]! : tf.concat(taps, 0); // [K, M, cin]
      const dy2 = tf.reshape(dy, [m, cout]);
      const dw =
        cin === 1
          ? tf.matMul(tf.reshape(stacked, [kh * kw, m]), dy2)
          : tf.matMul(stacked, tf.reshape(dy2, [1, m, cout]), true, false); // [K, cin, cout]
      return tf.reshape(dw, [kh, kw, cin, cout]);
    }
    const xt = tf.transpose(xp, [3, 1, 2, 0]); // [cin, Hp, Wp, N]
    const dyt = tf.transpose(dy, [1, 2, 0, 3]); // [oh, ow, N, cout]
    const r = tf.conv2d(xt, dyt, 1, 'valid', 'NHWC', [g.sh, g.sw]); // [cin, ≥kh, ≥kw, cout]
    const cropped =
      r.shape[1] === kh && r.shape[2] === kw ? r : tf.slice(r, [0, 0, 0, 0], [cin, kh, kw, cout]);
    return tf.transpose(cropped, [1, 2, 0, 3]);
  });
}

/**
 * The transposed convolution won on every shape measured on the wasm backend (3×3 kernels, 1–32
 * input channels, batch 64–128: 3–7× faster than im2col), so it is the default; im2col stays
 * available for shapes where XNNPACK's dilated convolution is a poor fit.
 */
export function chooseFilterGradMethod(
  _xShape: readonly number[],
  _filterShape: readonly number[],
): FilterGradMethod {
  return 'conv';
}

/**
 * dx of a Conv2D as a stride-1 convolution of the (zero-spread, padded) dy with the spatially
 * flipped, in/out-transposed filter.
 */
export function conv2dBackpropInput(
  inputShape: [number, number, number, number],
  dy: tf.Tensor4D,
  filter: tf.Tensor4D,
  strides: [number, number] | number,
  pad: PadAttr,
  dimRoundingMode?: 'floor' | 'round' | 'ceil',
): tf.Tensor4D {
  return tf.tidy(() => {
    const g = convGeometry(inputShape, filter.shape, strides, 1, pad, dimRoundingMode, false);
    const flipped = tf.transpose(tf.reverse(filter, [0, 1]), [0, 1, 3, 2]);
    return tf.conv2d(spreadAndPadGradient(dy, g), flipped, 1, 'valid');
  });
}
