/**
 * Microbenchmark behind src/relu-after-pool.ts: forward + backward of ReLU then 2×2 max pool vs
 * max pool then ReLU on a 64×26×26×32 activation, interleaved in one process (same load).
 *
 *   npx tsc -b packages/engine/tsconfig.json && npx tsx tools/bench/engine/relu-pool-micro.ts tensorflow
 */
import { activateBackend, tf } from '@collabopt/engine';
import { formatTimes, interleave } from './interleave';
async function main() {
  await activateBackend((process.argv[2] ?? 'tensorflow') as 'tensorflow');
  const z = tf.randomNormal([64, 26, 26, 32]) as tf.Tensor4D;
  const dy = tf.randomNormal([64, 13, 13, 32]);
  const a = () =>
    tf.tidy(() =>
      tf.grad((v: tf.Tensor) =>
        tf.sum(tf.mul(tf.maxPool(tf.relu(v) as tf.Tensor4D, 2, 2, 'valid'), dy)),
      )(z),
    );
  const b = () =>
    tf.tidy(() =>
      tf.grad((v: tf.Tensor) =>
        tf.sum(tf.mul(tf.relu(tf.maxPool(v as tf.Tensor4D, 2, 2, 'valid')), dy)),
      )(z),
    );
  console.log(process.argv[2], formatTimes(interleave({ 'relu→pool': a, 'pool→relu': b })));
}
void main();
