import * as tf from '@tensorflow/tfjs-core';
import { heapFloats, heapSimd, type HeapBackend } from './wasm-heap';

/** out[i] = y[i] > 0 ? dy[i] : 0 — the ReLU gradient from its input (or output) y. */
export function reluGradInto(dy: Float32Array, y: Float32Array, out: Float32Array): void {
  for (let i = 0; i < out.length; i++) out[i] = y[i]! > 0 ? dy[i]! : 0;
}

/** ReluGrad {dy, x} as a wasm-heap kernel: one pass instead of TF.js's Step, Cast and Multiply. */
export function reluGradKernel(
  backend: HeapBackend,
  dy: tf.TensorInfo,
  x: tf.TensorInfo,
): tf.TensorInfo {
  const out = backend.makeOutput([...dy.shape], 'float32');
  const simd = heapSimd(backend);
  if (simd !== undefined) {
    const at = simd.address;
    simd.kernels.reluGrad(at(dy), at(x), at(out), tf.util.sizeFromShape(dy.shape));
  } else {
    reluGradInto(heapFloats(backend, dy), heapFloats(backend, x), heapFloats(backend, out));
  }
  return out;
}

/** The kernel name backends may implement (TensorFlow's op of the same name and inputs). */
export const RELU_GRAD = 'ReluGrad';

/**
 * The gradient of Relu through a `ReluGrad` kernel where the active backend has one; elsewhere
 * TF.js's own formula, dy · step(x).
 */
export function registerReluGradient(): void {
  tf.registerGradient({
    kernelName: 'Relu',
    inputsToSave: ['x'],
    gradFunc: (dy, saved) => {
      const [x] = saved as [tf.Tensor];
      const g = dy as tf.Tensor;
      return {
        x: () =>
          tf.getKernel(RELU_GRAD, tf.getBackend()) !== undefined &&
          g.dtype === 'float32' &&
          x.dtype === 'float32'
            ? (tf.engine().runKernel(RELU_GRAD, { dy: g, x }) as tf.Tensor)
            : tf.mul(g, tf.cast(tf.step(x), 'float32')),
      };
    },
  });
}
