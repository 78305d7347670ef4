/**
 * Microbenchmark behind src/tfjs-node-batchnorm.ts: training-mode batch norm forward + backward on
 * 64×26×26×32, fused TensorFlow ops vs the composed TF.js version, interleaved in one process.
 *
 *   npx tsc -b packages/engine/tsconfig.json && npx tsx tools/bench/engine/batchnorm-micro.ts
 */
import { activateBackend, tf } from '@collabopt/engine';
import { formatTimes, interleave } from './interleave';
// eslint-disable-next-line @typescript-eslint/no-require-imports
const { batchNormTraining } = require('../../../packages/engine/dist/tfjs-node-batchnorm');

function composed(x: tf.Tensor, g: tf.Tensor, b: tf.Tensor): tf.Tensor {
  const { mean, variance } = tf.moments(x, [0, 1, 2]);
  return tf.add(tf.mul(tf.mul(tf.sub(x, mean), tf.rsqrt(tf.add(variance, 1e-3))), g), b);
}

async function main(): Promise<void> {
  await activateBackend('tensorflow');
  const x = tf.randomNormal([64, 26, 26, 32]);
  const g = tf.randomNormal([32]);
  const b = tf.randomNormal([32]);
  const w = tf.randomNormal([64, 26, 26, 32]);
  const grads = (f: (x: tf.Tensor, g: tf.Tensor, b: tf.Tensor) => tf.Tensor) => () =>
    tf.tidy(() =>
      tf.grads((xx: tf.Tensor, gg: tf.Tensor, bb: tf.Tensor) => tf.sum(tf.mul(f(xx, gg, bb), w)))([
        x,
        g,
        b,
      ]),
    );
  const a = grads(composed);
  const c = grads((xx, gg, bb) => batchNormTraining(xx, gg, bb, 1e-3).y);
  console.log(formatTimes(interleave({ composed: a, fused: c }, { rounds: 50 })));
}
void main();
