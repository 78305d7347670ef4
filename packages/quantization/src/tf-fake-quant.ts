import type * as tfc from '@tensorflow/tfjs-core';
import { channelLayout } from '@collabopt/core';
import type { QuantParams } from './quant-params';
import { tf } from './tf';

/**
 * 1 where lo ≤ x ≤ hi, else 0, from float ops only: step(lo − x) is 1 below the range and
 * step(x − hi) above it (a float difference is positive exactly when the first is larger). The
 * same mask as comparing, but comparisons, their logical and and the cast of the booleans are
 * slow elementwise kernels on wasm: they took half of a MobileNet QAT training step there.
 */
export function insideRangeMask(x: tfc.Tensor, lo: number, hi: number): tfc.Tensor {
  return tf.sub(tf.sub(1, tf.step(tf.sub(lo, x))), tf.step(tf.sub(x, hi)));
}

/**
 * Fake quantization on TF.js tensors with straight-through gradients (tf.customGrad): the value is
 * the quantize-dequantize of x; the gradient passes where x lies inside the representable range
 * and is 0 where the forward pass clipped.
 */
export function fakeQuantTensor(x: tfc.Tensor, p: QuantParams): tfc.Tensor {
  const lo = (p.qmin - p.zeroPoint) * p.scale;
  const hi = (p.qmax - p.zeroPoint) * p.scale;
  const op = tf.customGrad(
    (input: tfc.Tensor | tfc.GradSaveFunc, save: tfc.Tensor | tfc.GradSaveFunc) => {
      const t = input as tfc.Tensor;
      (save as tfc.GradSaveFunc)([t]);
      // clip(round(x/s) + z, qmin, qmax) − z = clip(round(x/s), qmin − z, qmax − z): integers,
      // exact in float32 (beyond 2^24 clipped either way); two kernels fewer on every activation
      const q = tf.clipByValue(
        tf.round(tf.div(t, p.scale)),
        p.qmin - p.zeroPoint,
        p.qmax - p.zeroPoint,
      );
      const value = tf.mul(q, p.scale);
      return {
        value,
        gradFunc: (dy: tfc.Tensor, saved: tfc.Tensor[]) =>
          tf.mul(dy, insideRangeMask(saved[0]!, lo, hi)),
      };
    },
  );
  return op(x);
}

/** Scale per channel of a symmetric narrow-range grid: max|w_c|/qmax (1/qmax for an all-zero channel). */
function symmetricScaleTensor(absMax: tfc.Tensor, qmax: number): tfc.Tensor {
  return tf.div(tf.where(tf.greater(absMax, 0), absMax, tf.onesLike(absMax)), qmax);
}

/**
 * LastValue symmetric narrow-range fake quantization of a weight (TFMOT's weight quantizer): the
 * range is ±max|w| of the current weight, per channel along `channelAxes` or per tensor. Every
 * weight lies inside its range, so the straight-through gradient is the identity. With
 * `narrowRange` false the lowest code −2^(bits−1) is allowed too (same scale, max|w| / qmax).
 */
export function fakeQuantWeightTensor(
  w: tfc.Tensor,
  channelAxes: readonly number[] | undefined,
  bits = 8,
  narrowRange = true,
): tfc.Tensor {
  const qmax = 2 ** (bits - 1) - 1;
  const qmin = narrowRange ? -qmax : -qmax - 1;
  const op = tf.customGrad((input: tfc.Tensor | tfc.GradSaveFunc) => {
    const t = input as tfc.Tensor;
    let scale: tfc.Tensor;
    let shaped: tfc.Tensor = t;
    if (channelAxes) {
      const layout = channelLayout(t.shape, channelAxes);
      shaped = tf.reshape(t, [layout.outer, layout.count, layout.inner]);
      scale = symmetricScaleTensor(tf.max(tf.abs(shaped), [0, 2], true), qmax);
    } else {
      scale = symmetricScaleTensor(tf.max(tf.abs(t)), qmax);
    }
    const q = tf.clipByValue(tf.round(tf.div(shaped, scale)), qmin, qmax);
    const value = tf.reshape(tf.mul(q, scale), t.shape);
    return { value, gradFunc: (dy: tfc.Tensor) => dy };
  });
  return op(w);
}
