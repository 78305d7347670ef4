import * as tf from '@tensorflow/tfjs-core';
import { runByImages } from './split-by-images';
import { heapFloats, heapSimd, type HeapBackend } from './wasm-heap';

/** Elementwise gradients split across the SIMD threads by elements. */
const ELEMENTWISE = { batch: 'n', perImage: { dy: 4, y: 4, out: 4 } } as const;

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
    runByImages(
      simd,
      'reluGrad',
      { dy: at(dy), y: at(x), out: at(out), n: tf.util.sizeFromShape(dy.shape) },
      ELEMENTWISE,
    );
  } else {
    reluGradInto(heapFloats(backend, dy), heapFloats(backend, x), heapFloats(backend, out));
  }
  return out;
}

/** out[i] = 0 < y[i] < 6 ? dy[i] : 0 — the ReLU6 gradient from its input. */
export function relu6GradInto(dy: Float32Array, y: Float32Array, out: Float32Array): void {
  for (let i = 0; i < out.length; i++) out[i] = y[i]! > 0 && y[i]! < 6 ? dy[i]! : 0;
}

/** Relu6Grad {dy, x} as a wasm-heap kernel (one pass instead of TF.js's composition). */
export function relu6GradKernel(
  backend: HeapBackend,
  dy: tf.TensorInfo,
  x: tf.TensorInfo,
): tf.TensorInfo {
  const out = backend.makeOutput([...dy.shape], 'float32');
  const simd = heapSimd(backend);
  if (simd !== undefined) {
    const at = simd.address;
    runByImages(
      simd,
      'relu6Grad',
      { dy: at(dy), y: at(x), out: at(out), n: tf.util.sizeFromShape(dy.shape) },
      ELEMENTWISE,
    );
  } else {
    relu6GradInto(heapFloats(backend, dy), heapFloats(backend, x), heapFloats(backend, out));
  }
  return out;
}

/** The kernel name of the fused ReLU6 gradient {dy, x} (TensorFlow's Relu6Grad on tfjs-node). */
export const RELU6_GRAD = 'CollaboptRelu6Grad';

/** The kernel name backends may implement (TensorFlow's op of the same name and inputs {dy, x}). */
export const RELU_GRAD = 'ReluGrad';

const routed = new Set<string>();

/**
 * Route the gradient of an elementwise activation (`Relu`, `Relu6`, …) to a fused gradient
 * kernel {dy, x} wherever the active backend registers one; elsewhere TF.js's own gradient runs.
 * Idempotent per activation.
 */
export function routeGradientToKernel(kernelName: string, gradKernel: string): void {
  if (routed.has(kernelName)) return;
  routed.add(kernelName);
  // TF.js's CommonJS build registers no gradients: then only the kernel path exists.
  const stock = tf.getGradient(kernelName)?.gradFunc;
  tf.registerGradient({
    kernelName,
    inputsToSave: ['x'],
    gradFunc: (dy, saved, attrs) => {
      const [x] = saved as [tf.Tensor];
      const g = dy as tf.Tensor;
      if (
        tf.getKernel(gradKernel, tf.getBackend()) === undefined ||
        g.dtype !== 'float32' ||
        x.dtype !== 'float32'
      ) {
        if (stock !== undefined) return stock(dy, saved, attrs);
        throw new Error(`no gradient for ${kernelName} on backend ${tf.getBackend()}`);
      }
      return { x: () => tf.engine().runKernel(gradKernel, { dy: g, x }) as tf.Tensor };
    },
  });
}
