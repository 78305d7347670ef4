/**
 * Microbenchmark behind the direct SIMD convolution gradients on wasm
 * (src/wasm-kernels/conv2d-backprop-{filter,input}-simd.ts). Filter gradients: "direct" (the
 * register-blocked kernel; for 1–3 input channels the 3×3 taps-in-registers one) vs "before"
 * (the transposed convolution; for 1–3 input channels the SIMD loop adding every product in
 * memory); input gradients: the direct kernel vs the transposed convolution of the padded dy; dense
 * kernel gradients: the SIMD aᵀ·b vs transpose + MatMul. Fresh dy each call as in training,
 * interleaved in one process.
 *
 *   npx tsc -b packages/engine/tsconfig.json && npx tsx tools/bench/engine/conv-grad-micro.ts
 */
import { activateBackend, tf } from '@collabopt/engine';
import type { ConvBenchLayer } from './bench-setup';
import { loadAverage } from './cpu-info';
import { formatTimes, interleave } from './interleave';
const {
  setBlockedFilterGradEnabled,
  setBlockedInputGradEnabled,
  // eslint-disable-next-line @typescript-eslint/no-require-imports
} = require('../../../packages/engine/dist/wasm-kernels');

const LAYERS: ConvBenchLayer[] = [
  { name: 'benchmark CNN conv2', x: [64, 13, 13, 32], f: [3, 3, 32, 64], s: 1, pad: 'valid' },
  { name: 'reference CNN conv2', x: [64, 13, 13, 16], f: [3, 3, 16, 32], s: 1, pad: 'valid' },
  { name: '3×3/2 same 16→32', x: [64, 28, 28, 16], f: [3, 3, 16, 32], s: 2, pad: 'same' },
  { name: 'benchmark CNN conv1', x: [64, 28, 28, 1], f: [3, 3, 1, 32], s: 1, pad: 'valid' },
  { name: 'MobileNet stem', x: [64, 28, 28, 1], f: [3, 3, 1, 16], s: 1, pad: 'same' },
];

async function main(): Promise<void> {
  await activateBackend('wasm');
  console.log(`load average ${loadAverage(1)} (shared machine)`);
  for (const l of LAYERS) {
    const x = tf.randomNormal(l.x) as tf.Tensor4D;
    const probe = tf.conv2d(x, tf.zeros(l.f) as tf.Tensor4D, l.s, l.pad);
    const dyShape = probe.shape;
    probe.dispose();
    const dy0 = tf.randomNormal(dyShape);
    const grad = (blocked: boolean) => () => {
      setBlockedFilterGradEnabled(blocked);
      return tf.tidy(() => {
        const dy = tf.add(dy0, 1) as tf.Tensor4D; // a new tensor each step, as in training
        return tf.engine().runKernel('Conv2DBackpropFilter', { x, dy }, {
          strides: l.s,
          pad: l.pad,
          dataFormat: 'NHWC',
          filterShape: l.f,
        } as unknown as tf.NamedAttrMap) as tf.Tensor;
      });
    };
    const a = grad(true)();
    const b = grad(false)();
    a.dispose();
    b.dispose();
    const dyOnly = () => tf.add(dy0, 1);
    const times = interleave(
      { direct: grad(true), before: grad(false), dyOnly },
      { warmup: 2, rounds: 15 },
    );
    const ratio = (times['before']! - times['dyOnly']!) / (times['direct']! - times['dyOnly']!);
    console.log(
      `${l.name} x${JSON.stringify(l.x)} f${JSON.stringify(l.f)} s${l.s} ${l.pad}: ${formatTimes(times)}; speed-up ${ratio.toFixed(2)}×`,
    );
    tf.dispose([x, dy0]);
  }
  setBlockedFilterGradEnabled(true);
  // Input gradients: the direct SIMD kernel vs the transposed convolution of the padded dy.
  for (const l of LAYERS.filter((l) => l.f[2] % 8 === 0)) {
    const filter = tf.randomNormal(l.f) as tf.Tensor4D;
    const probe = tf.conv2d(tf.zeros(l.x) as tf.Tensor4D, filter, l.s, l.pad);
    const dy0 = tf.randomNormal(probe.shape);
    probe.dispose();
    const grad = (direct: boolean) => () => {
      setBlockedInputGradEnabled(direct);
      return tf.tidy(
        () =>
          tf.engine().runKernel('Conv2DBackpropInput', { dy: tf.add(dy0, 1), filter }, {
            strides: l.s,
            pad: l.pad,
            dataFormat: 'NHWC',
            inputShape: l.x,
          } as unknown as tf.NamedAttrMap) as tf.Tensor,
      );
    };
    const times = interleave(
      { direct: grad(true), transposedConv: grad(false), dyOnly: () => tf.add(dy0, 1) },
      { warmup: 2, rounds: 15 },
    );
    const ratio =
      (times['transposedConv']! - times['dyOnly']!) / (times['direct']! - times['dyOnly']!);
    console.log(`input gradient, ${l.name}: ${formatTimes(times)}; speed-up ${ratio.toFixed(2)}×`);
    tf.dispose([filter, dy0]);
  }
  setBlockedInputGradEnabled(true);
  // Dense kernel gradients xᵀ·dy: the SIMD aᵀ·b vs the explicit transpose + MatMul it replaces.
  for (const [rows, ca, cb] of [
    [64, 800, 64],
    [64, 1600, 10],
    [128, 1600, 64],
  ] as const) {
    const x = tf.randomNormal([1, rows, ca]);
    const dy0 = tf.randomNormal([1, rows, cb]);
    const times = interleave(
      {
        direct: () => tf.tidy(() => tf.matMul(x, tf.add(dy0, 1), true, false)),
        transposeFirst: () => tf.tidy(() => tf.matMul(tf.transpose(x, [0, 2, 1]), tf.add(dy0, 1))),
        dyOnly: () => tf.add(dy0, 1),
      },
      { warmup: 3, rounds: 30 },
    );
    const ratio =
      (times['transposeFirst']! - times['dyOnly']!) / (times['direct']! - times['dyOnly']!);
    console.log(
      `dense xᵀ·dy [${rows},${ca}]ᵀ·[${rows},${cb}]: ${formatTimes(times)}; speed-up ${ratio.toFixed(2)}×`,
    );
    tf.dispose([x, dy0]);
  }
  console.log(`load average ${loadAverage(1)}`);
}
void main();
