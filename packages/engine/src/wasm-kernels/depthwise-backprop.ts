import * as tf from '@tensorflow/tfjs-core';
import {
  convGeometry,
  paddedInput,
  spreadAndPadGradient,
  windowTaps,
  type PadAttr,
} from './conv-geometry';

/**
 * dW of a depthwise convolution ([kh, kw, C, mult]): the window taps of x against dy, one
 * batched MatMul per channel ([C, taps, M] × [C, M, mult]).
 */
export function depthwiseConv2dBackpropFilter(
  x: tf.Tensor4D,
  dy: tf.Tensor4D,
  filterShape: [number, number, number, number],
  strides: [number, number] | number,
  dilations: [number, number] | number,
  pad: PadAttr,
  dimRoundingMode?: 'floor' | 'round' | 'ceil',
): tf.Tensor4D {
  return tf.tidy(() => {
    const g = convGeometry(x.shape, filterShape, strides, dilations, pad, dimRoundingMode, true);
    const [kh, kw, c, mult] = filterShape;
    const m = g.batch * g.outH * g.outW;
    const taps = windowTaps(paddedInput(x, g), g).map((t) => tf.reshape(t, [1, m, c]));
    const stacked = taps.length === 1 ? taps[0]! : tf.concat(taps, 0); // [K, M, C]
    const perChannel = tf.transpose(stacked, [2, 0, 1]); // [C, K, M]
    const dyc = tf.transpose(tf.reshape(dy, [m, c, mult]), [1, 0, 2]); // [C, M, mult]
    const dw = tf.matMul(perChannel, dyc); // [C, K, mult]
    return tf.reshape(tf.transpose(dw, [1, 0, 2]), [kh, kw, c, mult]);
  });
}

/**
 * dx of a depthwise convolution: a stride-1 depthwise correlation of the spread/padded dy with the
 * flipped filter (one filter per output channel), then the multiplier's outputs summed per channel.
 */
export function depthwiseConv2dBackpropInput(
  inputShape: [number, number, number, number],
  dy: tf.Tensor4D,
  filter: tf.Tensor4D,
  strides: [number, number] | number,
  dilations: [number, number] | number,
  pad: PadAttr,
  dimRoundingMode?: 'floor' | 'round' | 'ceil',
): tf.Tensor4D {
  return tf.tidy(() => {
    const g = convGeometry(
      inputShape,
      filter.shape,
      strides,
      dilations,
      pad,
      dimRoundingMode,
      true,
    );
    const [kh, kw, c, mult] = filter.shape;
    const flipped = tf.reshape(tf.reverse(filter, [0, 1]), [kh, kw, c * mult, 1]) as tf.Tensor4D;
    const r = tf.depthwiseConv2d(spreadAndPadGradient(dy, g), flipped, 1, 'valid', 'NHWC', [
      g.dh,
      g.dw,
    ]);
    if (mult === 1) return r;
    const [n, h, w] = r.shape;
    return tf.sum(tf.reshape(r, [n, h, w, c, mult]), -1) as tf.Tensor4D;
  });
}
