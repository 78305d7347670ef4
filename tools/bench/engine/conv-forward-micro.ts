/**
 * Microbenchmark behind the direct SIMD forward convolution on wasm
 * (src/wasm-kernels/conv2d-forward-simd.ts): FusedConv2D (bias + ReLU) by the direct kernel
 * ("direct", split by images over the SIMD threads) vs the stock XNNPACK kernel ("xnnpack"), on the
 * convolutions of the benchmark CNN, the reference CNN and the MobileNet stems; and Winograd
 * F(2×2, 3×3) ("winograd", src/wasm-kernels/conv2d-forward-winograd.ts) where it applies (3×3
 * stride 1, cin % 4 = 0; elsewhere that variant is the direct kernel again). A fresh filter
 * each call, as in training (the weights change every step, so XNNPACK repacks them); interleaved
 * in one process, medians and minimums of wall time, and the median CPU time of the process (all
 * threads): on a loaded machine wall times absorb preemption, while with 1 thread the CPU time
 * measures the kernel's own work.
 *
 *   npx tsc -b packages/engine/tsconfig.json
 *   COLLABOPT_WASM_THREADS=2 npx tsx tools/bench/engine/conv-forward-micro.ts [batch] [rounds]
 */
import { tf } from '@collabopt/engine';
import { wasmMicroSetup, type ConvBenchLayer } from './bench-setup';
import { loadAverage } from './cpu-info';
import { interleaveWallAndCpu } from './interleave';
const {
  setDirectForwardConvEnabled,
  setWinogradForwardConvEnabled,
  // eslint-disable-next-line @typescript-eslint/no-require-imports
} = require('../../../packages/engine/dist/wasm-kernels');

const LAYERS: ConvBenchLayer[] = [
  { name: 'benchmark CNN conv2', x: [13, 13, 32], f: [3, 3, 32, 64], s: 1, pad: 'valid' },
  { name: 'benchmark CNN conv1', x: [28, 28, 1], f: [3, 3, 1, 32], s: 1, pad: 'valid' },
  { name: 'reference CNN conv2', x: [13, 13, 16], f: [3, 3, 16, 32], s: 1, pad: 'valid' },
  { name: 'reference CNN conv1', x: [28, 28, 1], f: [3, 3, 1, 16], s: 1, pad: 'valid' },
  { name: 'MobileNet stem', x: [28, 28, 1], f: [3, 3, 1, 16], s: 1, pad: 'same' },
  { name: '3×3/2 same 16→32', x: [28, 28, 16], f: [3, 3, 16, 32], s: 2, pad: 'same' },
];

async function main(): Promise<void> {
  const { batch, rounds } = await wasmMicroSetup(15);
  for (const l of LAYERS) {
    const x = tf.randomNormal([batch, ...l.x]);
    const filter0 = tf.randomNormal(l.f);
    const bias = tf.randomNormal([l.f[3]]);
    const conv =
      (direct: boolean, winograd = false) =>
      () => {
        setDirectForwardConvEnabled(direct);
        setWinogradForwardConvEnabled(winograd);
        return tf.tidy(() => {
          const filter = tf.add(filter0, 0); // a new tensor each step, as in training
          return tf.engine().runKernel('FusedConv2D', { x, filter, bias }, {
            strides: l.s,
            pad: l.pad,
            dataFormat: 'NHWC',
            dilations: 1,
            activation: 'relu',
          } as unknown as tf.NamedAttrMap) as tf.Tensor;
        });
      };
    const filterOnly = () => tf.add(filter0, 0);
    const t = interleaveWallAndCpu(
      { direct: conv(true), winograd: conv(true, true), xnnpack: conv(false), filterOnly },
      rounds,
    );
    const ratio = (key: 'wall' | 'cpu', peer = 'xnnpack', variant = 'direct') =>
      (t[peer]![key] - t['filterOnly']![key]) / (t[variant]![key] - t['filterOnly']![key]);
    const fmt = (n: string) =>
      `${n} ${t[n]!.wall.toFixed(2)} ms (min ${t[n]!.min.toFixed(2)}, cpu ${t[n]!.cpu.toFixed(2)})`;
    console.log(
      `${l.name} x[${batch},${l.x}] f[${l.f}] s${l.s} ${l.pad}: ${fmt('direct')}; ${fmt('winograd')}; ${fmt('xnnpack')}; direct vs xnnpack ${ratio('wall').toFixed(2)}× wall, ${ratio('cpu').toFixed(2)}× cpu; winograd vs direct ${ratio('wall', 'direct', 'winograd').toFixed(2)}× wall, ${ratio('cpu', 'direct', 'winograd').toFixed(2)}× cpu (medians)`,
    );
    tf.dispose([x, filter0, bias]);
  }
  setDirectForwardConvEnabled(true);
  setWinogradForwardConvEnabled(false);
  console.log(`load average ${loadAverage()}`);
}

void main();
