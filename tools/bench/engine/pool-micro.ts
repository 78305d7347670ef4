/**
 * Microbenchmark behind maxPoolKeepingWorkspace (src/tfjs-node-onednn.ts): forward + backward of a
 * 2×2 max pool on 64×26×26×32 with the gradient recomputing oneDNN's workspace vs keeping it from
 * the forward pass, interleaved in one process (same load).
 *
 *   npx tsc -b packages/engine/tsconfig.json && npx tsx tools/bench/engine/pool-micro.ts
 */
import { activateBackend, tf } from '@collabopt/engine';
import { formatTimes, interleave } from './interleave';
// eslint-disable-next-line @typescript-eslint/no-require-imports
const { maxPoolKeepingWorkspace } = require('../../../packages/engine/dist/tfjs-node-onednn');
async function main() {
  await activateBackend('tensorflow');
  const z = tf.randomNormal([64, 26, 26, 32]) as tf.Tensor4D;
  const dy = tf.randomNormal([64, 13, 13, 32]);
  const a = () =>
    tf.tidy(() =>
      tf.grad((v: tf.Tensor) => tf.sum(tf.mul(tf.maxPool(v as tf.Tensor4D, 2, 2, 'valid'), dy)))(z),
    );
  const b = () =>
    tf.tidy(() =>
      tf.grad((v: tf.Tensor) =>
        tf.sum(tf.mul(maxPoolKeepingWorkspace(v, [2, 2], [2, 2], 'valid'), dy)),
      )(z),
    );
  const da = a(),
    db = b();
  console.log('grad diff', tf.max(tf.abs(tf.sub(da, db))).dataSync()[0]);
  console.log(formatTimes(interleave({ recompute: a, 'kept workspace': b })));
}
void main();
