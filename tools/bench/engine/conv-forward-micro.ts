/**
 * Microbenchmark behind the direct SIMD forward convolution on wasm
 * (src/wasm-kernels/conv2d-forward-simd.ts): FusedConv2D (bias + ReLU) by the direct kernel
 * ("direct", split by images over the SIMD threads) vs the stock XNNPACK kernel ("xnnpack"), on the
 * convolutions of the benchmark CNN, the reference CNN and the MobileNet stems. A fresh filter
 * each call, as in training (the weights change every step, so XNNPACK repacks them); interleaved
 * in one process, medians and minimums of wall time, and the median CPU time of the process (all
 * threads): on a loaded machine wall times absorb preemption, while with 1 thread the CPU time
 * measures the kernel's own work.
 *
 *   npx tsc -b packages/engine/tsconfig.json
 *   COLLABOPT_WASM_THREADS=2 npx tsx tools/bench/engine/conv-forward-micro.ts [batch] [rounds]
 */
import * as os from 'node:os';
import { activateBackend, tf, wasmThreadsStatus } from '@collabopt/engine';
import { interleaveWallAndCpu } from './interleave';
const {
  setDirectForwardConvEnabled,
  // eslint-disable-next-line @typescript-eslint/no-require-imports
} = require('../../../packages/engine/dist/wasm-kernels');

const LAYERS: {
  name: string;
  x: number[];
  f: [number, number, number, number];
  s: number;
  pad: 'same' | 'valid';
}[] = [
  { name: 'benchmark CNN conv2', x: [13, 13, 32], f: [3, 3, 32, 64], s: 1, pad: 'valid' },
  { name: 'benchmark CNN conv1', x: [28, 28, 1], f: [3, 3, 1, 32], s: 1, pad: 'valid' },
  { name: 'reference CNN conv2', x: [13, 13, 16], f: [3, 3, 16, 32], s: 1, pad: 'valid' },
  { name: 'reference CNN conv1', x: [28, 28, 1], f: [3, 3, 1, 16], s: 1, pad: 'valid' },
  { name: 'MobileNet stem', x: [28, 28, 1], f: [3, 3, 1, 16], s: 1, pad: 'same' },
  { name: '3×3/2 same 16→32', x: [28, 28, 16], f: [3, 3, 16, 32], s: 2, pad: 'same' },
];

function load(): string {
  return os
    .loadavg()
    .map((l) => l.toFixed(2))
    .join(' ');
}

async function main(): Promise<void> {
  const batch = Number(process.argv[2] ?? 128);
  const rounds = Number(process.argv[3] ?? 15);
  await activateBackend('wasm');
  const threads = wasmThreadsStatus();
  console.log(
    `wasm ${threads?.threads ?? 1} threads, batch ${batch}, ${rounds} rounds; load average ${load()} (shared machine)`,
  );
  for (const l of LAYERS) {
    const x = tf.randomNormal([batch, ...l.x]);
    const filter0 = tf.randomNormal(l.f);
    const bias = tf.randomNormal([l.f[3]]);
    const conv = (direct: boolean) => () => {
      setDirectForwardConvEnabled(direct);
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
      { direct: conv(true), xnnpack: conv(false), filterOnly },
      rounds,
    );
    const ratio = (key: 'wall' | 'cpu') =>
      (t['xnnpack']![key] - t['filterOnly']![key]) / (t['direct']![key] - t['filterOnly']![key]);
    const fmt = (n: string) =>
      `${n} ${t[n]!.wall.toFixed(2)} ms (min ${t[n]!.min.toFixed(2)}, cpu ${t[n]!.cpu.toFixed(2)})`;
    console.log(
      `${l.name} x[${batch},${l.x}] f[${l.f}] s${l.s} ${l.pad}: ${fmt('direct')}; ${fmt('xnnpack')}; speed-up ${ratio('wall').toFixed(2)}× wall, ${ratio('cpu').toFixed(2)}× cpu (medians)`,
    );
    tf.dispose([x, filter0, bias]);
  }
  setDirectForwardConvEnabled(true);
  console.log(`load average ${load()}`);
}

void main();
