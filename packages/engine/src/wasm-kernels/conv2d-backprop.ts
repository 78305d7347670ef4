import * as tf from '@tensorflow/tfjs-core';
import { convGeometry, paddedInput, spreadAndPadGradient, windowTaps, type PadAttr } from './conv-geometry';

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
      const taps = windowTaps(xp, g);
      const m = g.batch * g.outH * g.outW;
      const cols = tf.reshape(taps.length === 1 ? taps[0]! : tf.concat(taps, 3), [m, kh * kw * cin]);
      const dw = tf.matMul(cols, tf.reshape(dy, [m, cout]), true, false);
      return tf.reshape(dw, [kh, kw, cin, cout]);
    }
    const xt = tf.transpose(xp, [3, 1, 2, 0]); // [cin, Hp, Wp, N]
    const dyt = tf.transpose(dy, [1, 2, 0, 3]); // [oh, ow, N, cout]
    const r = tf.conv2d(xt, dyt, 1, 'valid', 'NHWC', [g.sh, g.sw]); // [cin, ≥kh, ≥kw, cout]
    const cropped = r.shape[1] === kh && r.shape[2] === kw ? r : tf.slice(r, [0, 0, 0, 0], [cin, kh, kw, cout]);
    return tf.transpose(cropped, [1, 2, 0, 3]);
  });
}

/**
 * im2col + MatMul wins when the window copies are small (few input channels, e.g. the first
 * layer); the transposed convolution wins on wide layers. Measured on the wasm backend.
 */
export function chooseFilterGradMethod(xShape: readonly number[], filterShape: readonly number[]): FilterGradMethod {
  const cin = filterShape[2]!;
  const taps = filterShape[0]! * filterShape[1]!;
  return cin * taps <= 64 || xShape[0]! < 4 ? 'im2col' : 'conv';
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
