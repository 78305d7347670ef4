/**
 * Microbenchmark behind the bias-free FusedConv2D path of src/tfjs-node-onednn.ts: a convolution
 * without bias (MobileNet's convolutions, each followed by BatchNorm) as tfjs-node's stock
 * FusedConv2D runs it (TensorFlow's Eigen Conv2D) vs oneDNN's `_MklNativeConv2D`, on the
 * MobileNet-v1/v2 benchmark shapes (batch 64); interleaved in one process.
 *
 *   npx tsc -b packages/engine/tsconfig.json && npx tsx tools/bench/engine/conv-nobias-micro.ts
 */
/* eslint-disable @typescript-eslint/no-explicit-any */
import { activateBackend, tf } from '@collabopt/engine';
import { formatTimes, interleave } from './interleave';

async function main(): Promise<void> {
  await activateBackend('tensorflow');
  const be = tf.backend() as any;
  const b = be.binding;
  const attrs = (strides: number) => [
    { name: 'T', type: b.TF_ATTR_TYPE, value: b.TF_FLOAT },
    { name: 'strides', type: b.TF_ATTR_INT, value: [1, strides, strides, 1] },
    { name: 'padding', type: b.TF_ATTR_STRING, value: 'SAME' },
    { name: 'data_format', type: b.TF_ATTR_STRING, value: 'NHWC' },
    { name: 'dilations', type: b.TF_ATTR_INT, value: [1, 1, 1, 1] },
    { name: 'use_cudnn_on_gpu', type: b.TF_ATTR_BOOL, value: true },
  ];
  const oneDnn = [
    { name: '_kernel', type: b.TF_ATTR_STRING, value: 'MklNameChangeOp' },
    { name: 'is_filter_const', type: b.TF_ATTR_BOOL, value: false },
  ];
  // [input shape, kernel size, output channels]
  const cases: [number[], number, number][] = [
    [[64, 28, 28, 1], 3, 16],
    [[64, 14, 14, 16], 1, 64],
    [[64, 14, 14, 64], 1, 24],
    [[64, 7, 7, 64], 1, 128],
    [[64, 7, 7, 128], 1, 32],
  ];
  for (const [shape, k, cout] of cases) {
    const x = tf.randomNormal(shape);
    const w = tf.randomNormal([k, k, shape[3]!, cout]);
    const stock = () => tf.conv2d(x as tf.Tensor4D, w as tf.Tensor4D, 1, 'same');
    const dnn = () => be.executeSingleOutput('_MklNativeConv2D', [...attrs(1), ...oneDnn], [x, w]);
    const diff = tf.tidy(() => tf.max(tf.abs(tf.sub(stock(), dnn()))).dataSync()[0]);
    const stockFused = () => {
      // What tfjs-node's FusedConv2D runs without bias: its Eigen conv2dImpl.
      return be.executeSingleOutput('Conv2D', attrs(1), [x, w]);
    };
    const times = interleave(
      { eigen: stockFused, oneDnn: dnn, tfConv2d: stock },
      { warmup: 3, rounds: 30 },
    );
    console.log(`[${shape}] ${k}×${k}→${cout}: ${formatTimes(times)}; max |Δy| ${diff}`);
    tf.dispose([x, w]);
  }
}
void main();
