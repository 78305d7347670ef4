import { tf } from './tf';

/**
 * tfjs-node's Step kernel (behind every Relu/Relu6 gradient) builds two input-sized constant
 * tensors in JavaScript and uploads them on each call: ~50 ms per call on a 64×26×26×32
 * activation. The same result from on-device ops: NaN stays NaN, x > 0 → 1, else alpha.
 */
export function registerTfjsNodeFixes(): void {
  const backendName = 'tensorflow';
  const stock = tf.getKernel('Step', backendName);
  if (stock === undefined) return;
  tf.unregisterKernel('Step', backendName);
  tf.registerKernel({
    ...stock,
    kernelFunc: ({ inputs, attrs }) => {
      const x = inputs['x'] as tf.Tensor;
      const alpha = (attrs as { alpha?: number }).alpha ?? 0;
      return tf.tidy(() => {
        const positive = tf.cast(tf.greater(x, 0), x.dtype);
        const step = alpha === 0 ? positive : tf.add(tf.mul(positive, 1 - alpha), alpha);
        return tf.where(tf.isNaN(x), x, step);
      });
    },
  });
}
