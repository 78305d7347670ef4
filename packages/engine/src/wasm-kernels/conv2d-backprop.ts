import * as tf from '@tensorflow/tfjs-core';
import {
  convGeometry,
  paddedInput,
  spreadAndPadGradient,
  type ConvGeometry,
  type PadAttr,
} from './conv-geometry';

export type FilterGradMethod = 'im2col' | 'conv';

/**
 * dW of a Conv2D (NHWC, no dilation as in TF.js's Conv2DBackpropFilter) from x and dy.
 * - 'im2col': the kh·kw window taps (strided slices) of the transposed input stacked into the
 *   transposed patch matrix, then one MatMul with dy.
 * - 'conv': a convolution of xᵀ ([C, H, W, N]) with dyᵀ ([oh, ow, N, cout]) dilated by the stride.
 */
export function conv2dBackpropFilter(
  x: tf.Tensor4D,
  dy: tf.Tensor4D,
  filterShape: [number, number, number, number],
  strides: [number, number] | number,
  pad: PadAttr,
  dimRoundingMode?: 'floor' | 'round' | 'ceil',
  method: FilterGradMethod = chooseFilterGradMethod(filterShape, strides),
): tf.Tensor4D {
  return tf.tidy(() => {
    const g = convGeometry(x.shape, filterShape, strides, 1, pad, dimRoundingMode, false);
    const [kh, kw, cin, cout] = filterShape;
    if (isPointwise(g)) {
      // dW = xᵀ · dy over all pixels: one GEMM instead of a convolution with a [outH, outW] kernel.
      const m = g.batch * g.outH * g.outW;
      const xt = tf.transpose(tf.reshape(x, [m, cin])) as tf.Tensor2D;
      return tf.reshape(tf.matMul(xt, tf.reshape(dy, [m, cout]) as tf.Tensor2D), filterShape);
    }
    const xp = paddedInput(x, g);
    if (method === 'im2col') {
      // Taps of xᵀ: the images as [1, cin·N, Hp, Wp] planes, so that every tap copies whole
      // contiguous rows and is already a [cin, M] block of the transposed patch matrix
      // [K·cin, M]; dW is then one plain MatMul with dy [M, cout] (no transposed operand).
      const [n, hp, wp] = xp.shape;
      const planes = tf.reshape(cin === 1 ? xp : tf.transpose(xp, [3, 0, 1, 2]), [
        1,
        cin * n,
        hp,
        wp,
      ]);
      const m = g.batch * g.outH * g.outW;
      const taps: tf.Tensor[] = [];
      for (let a = 0; a < kh; a++) {
        for (let e = 0; e < kw; e++) {
          const tap =
            g.sh === 1 && g.sw === 1
              ? tf.slice(planes, [0, 0, a, e], [1, cin * n, g.outH, g.outW])
              : tf.stridedSlice(
                  planes,
                  [0, 0, a, e],
                  [1, cin * n, a + (g.outH - 1) * g.sh + 1, e + (g.outW - 1) * g.sw + 1],
                  [1, 1, g.sh, g.sw],
                );
          taps.push(tf.reshape(tap, [cin, m]));
        }
      }
      const patchesT = taps.length === 1 ? taps[0]! : tf.concat(taps, 0); // [K·cin, M]
      const dw = tf.matMul(patchesT as tf.Tensor2D, tf.reshape(dy, [m, cout]) as tf.Tensor2D);
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

/** A 1×1 convolution with stride 1 and no padding: a GEMM over the pixels both ways. */
export function isPointwise(g: ConvGeometry): boolean {
  return (
    g.kh === 1 &&
    g.kw === 1 &&
    g.sh === 1 &&
    g.sw === 1 &&
    g.top === 0 &&
    g.left === 0 &&
    g.outH === g.inH &&
    g.outW === g.inW
  );
}

/**
 * The transposed convolution is the default. Measured on the wasm backend with fresh tensors each
 * call, as in training (XNNPACK repacks a MatMul's second operand whenever it is a new tensor):
 * im2col ties with it at 1 input channel (19.3 vs 19.0 ms CPU, x[64,28,28,1]) and loses from 3
 * channels on and for every stride (strided taps are slow copies).
 */
export function chooseFilterGradMethod(
  _filterShape: readonly number[],
  _strides: [number, number] | number,
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
    if (isPointwise(g)) {
      // dx = dy · Wᵀ over all pixels.
      const [, , cin, cout] = filter.shape;
      const wt = tf.transpose(tf.reshape(filter, [cin, cout])) as tf.Tensor2D;
      const dx = tf.matMul(tf.reshape(dy, [-1, cout]) as tf.Tensor2D, wt);
      return tf.reshape(dx, inputShape);
    }
    const flipped = tf.transpose(tf.reverse(filter, [0, 1]), [0, 1, 3, 2]);
    return tf.conv2d(spreadAndPadGradient(dy, g), flipped, 1, 'valid');
  });
}
