/**
 * Microbenchmark behind the oneDNN choice of src/tfjs-node-batchnorm.ts: TensorFlow's
 * FusedBatchNormV3 / FusedBatchNormGradV3 (Eigen in eager mode) vs `_MklNativeFusedBatchNormV3` /
 * `_MklNativeFusedBatchNormGradV3` called directly, on MobileNet-v1 shapes (batch 64), and
 * Relu6 on the same tensors; interleaved in one process.
 *
 *   npx tsc -b packages/engine/tsconfig.json && npx tsx tools/bench/engine/batchnorm-onednn-micro.ts
 */
/* eslint-disable @typescript-eslint/no-explicit-any */
import { activateBackend, tf } from '@collabopt/engine';
import { formatTimes, interleave } from './interleave';

async function main(): Promise<void> {
  await activateBackend('tensorflow');
  const be = tf.backend() as any;
  const b = be.binding;
  const attrs = [
    { name: 'T', type: b.TF_ATTR_TYPE, value: b.TF_FLOAT },
    { name: 'U', type: b.TF_ATTR_TYPE, value: b.TF_FLOAT },
    { name: 'epsilon', type: b.TF_ATTR_FLOAT, value: 1e-3 },
    { name: 'data_format', type: b.TF_ATTR_STRING, value: 'NHWC' },
    { name: 'is_training', type: b.TF_ATTR_BOOL, value: true },
  ];
  const fwdAttrs = [...attrs, { name: 'exponential_avg_factor', type: b.TF_ATTR_FLOAT, value: 1 }];
  const label = { name: '_kernel', type: b.TF_ATTR_STRING, value: 'MklNameChangeOp' };
  for (const shape of [
    [64, 28, 28, 16],
    [64, 14, 14, 32],
    [64, 7, 7, 128],
  ]) {
    const c = shape[3]!;
    const x = tf.randomNormal(shape);
    const dy = tf.randomNormal(shape);
    const g = tf.ones([c]);
    const o = tf.zeros([c]);
    const empty = tf.tensor1d([]);
    const fwd = (op: string, extra: object[]) => () =>
      be.executeMultipleOutputs(op, [...fwdAttrs, ...extra], [x, g, o, empty, empty], 6);
    const stockOut = fwd('FusedBatchNormV3', [])();
    const dnnOut = fwd('_MklNativeFusedBatchNormV3', [label])();
    const grad = (op: string, extra: object[], saved: tf.Tensor[]) => () =>
      be.executeMultipleOutputs(
        op,
        [...attrs, ...extra],
        [dy, x, g, saved[3], saved[4], saved[5]],
        5,
      );
    const diff = tf.max(tf.abs(tf.sub(stockOut[0], dnnOut[0]))).dataSync()[0];
    const times = interleave(
      {
        fwd: fwd('FusedBatchNormV3', []),
        fwdOneDnn: fwd('_MklNativeFusedBatchNormV3', [label]),
        grad: grad('FusedBatchNormGradV3', [], stockOut),
        gradOneDnn: grad('_MklNativeFusedBatchNormGradV3', [label], dnnOut),
        relu6: () => tf.relu6(x),
        clip: () => tf.clipByValue(x, 0, 6),
      },
      { warmup: 3, rounds: 30 },
    );
    console.log(`[${shape}] ${formatTimes(times)}; max |Δy| ${diff}`);
    tf.dispose([x, dy, g, o, empty, ...stockOut, ...dnnOut]);
  }
}
void main();
