import { tf } from './tf';
import { BIAS_ADD_GRAD, hasTfjsNodeKernel } from './tfjs-node-kernels';
import { RELU_GRAD } from './wasm-kernels';

/**
 * Convolution / MatMul + bias + ReLU as one forward kernel (FusedConv2D / _FusedMatMul). TF.js's
 * own fused ops fall back to three separate kernels whenever a gradient is recorded; here the
 * fused kernels are called directly and get a registered gradient, which (unlike tf.customGrad)
 * is lazy per input: the first layer never computes the gradient of the image.
 */
export type FusedActivation = 'linear' | 'relu';

/**
 * dy masked by the activation's derivative. Computed once, in the gradient function itself: the
 * tape runs each input's gradient closure in its own tidy scope, so a tensor shared between the
 * closures must be made outside them (it lives until the backward pass ends).
 */
function reluMask(dy: tf.Tensor, y: tf.Tensor, activation: string): tf.Tensor {
  if (activation === 'linear') return dy;
  if (activation !== 'relu')
    throw new Error(`fused gradient for activation "${activation}" is not implemented`);
  return tf.getKernel(RELU_GRAD, tf.getBackend()) !== undefined
    ? (tf.engine().runKernel(RELU_GRAD, { dy, x: y }) as tf.Tensor)
    : tf.mul(dy, tf.cast(tf.greater(y, 0), dy.dtype));
}

/** Σ over all axes but the last: TensorFlow's BiasAddGrad on tfjs-node, a single pass over the heap on wasm (wasm-kernels). */
function biasGradient(dy: tf.Tensor): tf.Tensor {
  if (hasTfjsNodeKernel(BIAS_ADD_GRAD))
    return tf.engine().runKernel(BIAS_ADD_GRAD, { dy }, {}) as tf.Tensor;
  return tf.sum(
    dy,
    dy.shape.slice(0, -1).map((_, i) => i),
  );
}

let registered = false;

/** Register the gradients of FusedConv2D and _FusedMatMul (linear and relu activations). */
export function registerFusedGradients(): void {
  if (registered) return;
  registered = true;
  if (tf.getGradient('FusedConv2D') === undefined) {
    tf.registerGradient({
      kernelName: 'FusedConv2D',
      inputsToSave: ['x', 'filter'],
      outputsToSave: [true],
      gradFunc: (dy, saved, attrs) => {
        const [x, filter, y] = saved as [tf.Tensor4D, tf.Tensor4D, tf.Tensor4D];
        const a = attrs as unknown as {
          strides: [number, number];
          pad: 'same' | 'valid';
          activation: string;
        };
        const conv = { strides: a.strides, pad: a.pad, dataFormat: 'NHWC' };
        const masked = reluMask(dy as tf.Tensor, y, a.activation);
        const dya = (): tf.Tensor => masked;
        return {
          x: () =>
            tf.engine().runKernel('Conv2DBackpropInput', { dy: dya(), filter }, {
              ...conv,
              inputShape: x.shape,
            } as unknown as tf.NamedAttrMap) as tf.Tensor,
          filter: () =>
            tf.engine().runKernel('Conv2DBackpropFilter', { x, dy: dya() }, {
              ...conv,
              filterShape: filter.shape,
            } as unknown as tf.NamedAttrMap) as tf.Tensor,
          bias: () => biasGradient(dya()),
        };
      },
    });
  }
  if (tf.getGradient('_FusedMatMul') === undefined) {
    tf.registerGradient({
      kernelName: '_FusedMatMul',
      inputsToSave: ['a', 'b'],
      outputsToSave: [true],
      gradFunc: (dy, saved, attrs) => {
        const [a, b, y] = saved as [tf.Tensor3D, tf.Tensor3D, tf.Tensor3D];
        const at = attrs as unknown as {
          transposeA: boolean;
          transposeB: boolean;
          activation: string;
        };
        if (at.transposeA || at.transposeB)
          throw new Error('fused MatMul gradient supports untransposed operands only');
        const masked = reluMask(dy as tf.Tensor, y, at.activation) as tf.Tensor3D;
        const dya = (): tf.Tensor3D => masked;
        return {
          a: () => tf.matMul(dya(), b, false, true),
          b: () => tf.matMul(a, dya(), true, false),
          bias: () => biasGradient(dya()),
        };
      },
    });
  }
}

export interface FusedConvOptions {
  strides: [number, number];
  padding: 'same' | 'valid';
  activation: FusedActivation;
}

/** y = act(conv2d(x, filter) + bias), NHWC, no dilation. */
export function fusedConv2d(
  x: tf.Tensor4D,
  filter: tf.Tensor4D,
  bias: tf.Tensor | undefined,
  o: FusedConvOptions,
): tf.Tensor4D {
  registerFusedGradients();
  return tf.engine().runKernel(
    'FusedConv2D',
    (bias !== undefined ? { x, filter, bias } : { x, filter }) as unknown as tf.NamedTensorMap,
    {
      strides: o.strides,
      pad: o.padding,
      dataFormat: 'NHWC',
      dilations: [1, 1],
      dimRoundingMode: undefined,
      activation: o.activation,
      leakyreluAlpha: 0,
    } as unknown as tf.NamedAttrMap,
  ) as tf.Tensor4D;
}

/** y = act(x · kernel + bias) for 2-D x (the _FusedMatMul kernels take rank-3 operands). */
export function fusedDense(
  x: tf.Tensor2D,
  kernel: tf.Tensor2D,
  bias: tf.Tensor | undefined,
  activation: FusedActivation,
): tf.Tensor2D {
  registerFusedGradients();
  const a = tf.reshape(x, [1, ...x.shape]);
  const b = tf.reshape(kernel, [1, ...kernel.shape]);
  const y = tf.engine().runKernel(
    '_FusedMatMul',
    (bias !== undefined ? { a, b, bias } : { a, b }) as unknown as tf.NamedTensorMap,
    {
      transposeA: false,
      transposeB: false,
      activation,
      leakyreluAlpha: 0,
    } as unknown as tf.NamedAttrMap,
  ) as tf.Tensor3D;
  return tf.reshape(y, [x.shape[0], kernel.shape[1]]);
}
