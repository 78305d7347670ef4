/**
 * Microbenchmark behind the depthwise overrides of src/tfjs-node-onednn.ts: TensorFlow's
 * DepthwiseConv2dNative (and gradients) vs the oneDNN kernels on 64×28×28×32, 3×3, same.
 *
 *   npx tsx tools/bench/engine/dw-micro.ts
 */
/* eslint-disable @typescript-eslint/no-explicit-any */
import { activateBackend, tf } from '@collabopt/engine';
import { formatTimes, interleave } from './interleave';
async function main(): Promise<void> {
  await activateBackend('tensorflow');
  const be = tf.backend() as any;
  const b = be.binding;
  const T = { name: 'T', type: b.TF_ATTR_TYPE, value: b.TF_FLOAT };
  const S = (name: string, value: string) => ({ name, type: b.TF_ATTR_STRING, value });
  const I = (name: string, value: number[]) => ({ name, type: b.TF_ATTR_INT, value });
  const L = S('_kernel', 'MklNameChangeOp');
  const conv = [
    T,
    I('strides', [1, 1, 1, 1]),
    S('padding', 'SAME'),
    S('data_format', 'NHWC'),
    I('dilations', [1, 1, 1, 1]),
  ];
  const x = tf.randomNormal([64, 28, 28, 32]);
  const f = tf.randomNormal([3, 3, 32, 1]);
  const dy = tf.randomNormal([64, 28, 28, 32]);
  const fs = tf.tensor1d([3, 3, 32, 1], 'int32');
  const is = tf.tensor1d([64, 28, 28, 32], 'int32');
  const pairs: [string, () => tf.Tensor, () => tf.Tensor][] = [
    [
      'fwd',
      () => be.executeSingleOutput('DepthwiseConv2dNative', conv, [x, f]),
      () => be.executeSingleOutput('_MklNativeDepthwiseConv2dNative', [...conv, L], [x, f]),
    ],
    [
      'bpf',
      () => be.executeSingleOutput('DepthwiseConv2dNativeBackpropFilter', conv, [x, fs, dy]),
      () =>
        be.executeSingleOutput(
          '_MklNativeDepthwiseConv2dNativeBackpropFilter',
          [...conv, L],
          [x, fs, dy],
        ),
    ],
    [
      'bpi',
      () => be.executeSingleOutput('DepthwiseConv2dNativeBackpropInput', conv, [is, f, dy]),
      () =>
        be.executeSingleOutput(
          '_MklNativeDepthwiseConv2dNativeBackpropInput',
          [...conv, L],
          [is, f, dy],
        ),
    ],
  ];
  for (const [name, a, c] of pairs) {
    try {
      const ya = a(),
        yc = c();
      const diff = tf.max(tf.abs(tf.sub(ya, yc))).dataSync()[0];
      const times = interleave({ stock: a, onednn: c }, { warmup: 0, rounds: 30 });
      console.log(name, formatTimes(times), 'diff', diff);
    } catch (e) {
      console.log(name, 'failed', String(e).slice(0, 200));
    }
  }
}
void main();
