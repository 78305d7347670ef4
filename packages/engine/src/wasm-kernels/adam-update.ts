import * as tf from '@tensorflow/tfjs-core';
import { runByImages } from './split-by-images';
import { heapFloats, heapSimd, type HeapBackend } from './wasm-heap';

/**
 * The kernel name of one Adam step over flat buffers ({grad, m, v, params} → [m, v, params]),
 * registered for the wasm backend; FlatAdamOptimizer uses it where the active backend has it.
 */
export const ADAM_UPDATE = 'CollaboptAdamUpdate';

/**
 * The float32 constants of one Adam step (TF.js's tf.train.adam arithmetic): stepScale =
 * −lr / (1 − β1ᵗ) and rootScale = 1 / √(1 − β2ᵗ) fold the bias corrections in.
 */
export interface AdamCoefficients {
  readonly beta1: number;
  readonly oneMinusBeta1: number;
  readonly beta2: number;
  readonly oneMinusBeta2: number;
  readonly stepScale: number;
  readonly rootScale: number;
  readonly epsilon: number;
}

/** The coefficients of step `t` (1-based), each rounded to float32 as a scalar tensor would be. */
export function adamCoefficients(
  learningRate: number,
  beta1: number,
  beta2: number,
  epsilon: number,
  t: number,
): AdamCoefficients {
  const f = Math.fround;
  return {
    beta1: f(beta1),
    oneMinusBeta1: f(1 - beta1),
    beta2: f(beta2),
    oneMinusBeta2: f(1 - beta2),
    stepScale: f(-learningRate / (1 - beta1 ** t)),
    rootScale: f(1 / Math.sqrt(1 - beta2 ** t)),
    epsilon: f(epsilon),
  };
}

/**
 * One Adam step element by element, every operation rounded to float32 in the order TF.js's
 * composed kernels apply them: m' = m·β1 + g·(1 − β1), v' = v·β2 + g²·(1 − β2),
 * p' = p + (m'·stepScale) / (√v'·rootScale + ε).
 */
export function adamUpdateInto(
  grad: Float32Array,
  m: Float32Array,
  v: Float32Array,
  params: Float32Array,
  c: AdamCoefficients,
  out: { m: Float32Array; v: Float32Array; params: Float32Array },
): void {
  const f = Math.fround;
  for (let i = 0; i < grad.length; i++) {
    const g = grad[i]!;
    const mi = f(f(m[i]! * c.beta1) + f(g * c.oneMinusBeta1));
    const vi = f(f(v[i]! * c.beta2) + f(f(g * g) * c.oneMinusBeta2));
    const denominator = f(f(f(Math.sqrt(vi)) * c.rootScale) + c.epsilon);
    out.m[i] = mi;
    out.v[i] = vi;
    out.params[i] = f(params[i]! + f(f(mi * c.stepScale) / denominator));
  }
}

/** A float32 value's bit pattern as an integer (how the SIMD kernel takes float arguments). */
function float32Bits(x: number): number {
  const view = new DataView(new ArrayBuffer(4));
  view.setFloat32(0, x, true);
  return view.getInt32(0, true);
}

/** Every operand moves 4 bytes per element when the kernel is split across the SIMD threads. */
const ELEMENTWISE = {
  batch: 'n',
  perImage: { g: 4, m: 4, v: 4, p: 4, outM: 4, outV: 4, outP: 4 },
} as const;

/**
 * The Adam step as a wasm-heap kernel: one pass over the four flat buffers instead of ~14
 * elementwise kernels (each a dispatch and a pass over memory); the SIMD kernel where the backend
 * has it, else adamUpdateInto.
 */
export function adamUpdateKernel(
  backend: HeapBackend,
  grad: tf.TensorInfo,
  m: tf.TensorInfo,
  v: tf.TensorInfo,
  params: tf.TensorInfo,
  c: AdamCoefficients,
): tf.TensorInfo[] {
  const n = tf.util.sizeFromShape(grad.shape);
  for (const [name, t] of [
    ['m', m],
    ['v', v],
    ['params', params],
  ] as const)
    if (tf.util.sizeFromShape(t.shape) !== n)
      throw new Error(
        `${ADAM_UPDATE}: ${name} has ${tf.util.sizeFromShape(t.shape)} elements, grad ${n}`,
      );
  const outM = backend.makeOutput([n], 'float32');
  const outV = backend.makeOutput([n], 'float32');
  const outP = backend.makeOutput([n], 'float32');
  const simd = heapSimd(backend);
  if (simd !== undefined) {
    const at = simd.address;
    runByImages(
      simd,
      'adamUpdate',
      {
        g: at(grad),
        m: at(m),
        v: at(v),
        p: at(params),
        outM: at(outM),
        outV: at(outV),
        outP: at(outP),
        n,
        beta1Bits: float32Bits(c.beta1),
        oneMinusBeta1Bits: float32Bits(c.oneMinusBeta1),
        beta2Bits: float32Bits(c.beta2),
        oneMinusBeta2Bits: float32Bits(c.oneMinusBeta2),
        stepScaleBits: float32Bits(c.stepScale),
        rootScaleBits: float32Bits(c.rootScale),
        epsilonBits: float32Bits(c.epsilon),
      },
      ELEMENTWISE,
    );
  } else {
    const floats = (t: tf.TensorInfo): Float32Array => heapFloats(backend, t);
    adamUpdateInto(floats(grad), floats(m), floats(v), floats(params), c, {
      m: floats(outM),
      v: floats(outV),
      params: floats(outP),
    });
  }
  return [outM, outV, outP];
}
