/**
 * Microbenchmark behind the SIMD 2×2/2 max pooling on wasm (src/wasm-kernels/max-pool-simd.ts):
 * "direct" (split by images over the SIMD threads) vs the stock XNNPACK kernel, with a ReLU over
 * the same input as a memory-bound yardstick, on the pools of the benchmark and reference CNNs.
 * Interleaved in one process; medians of wall and process CPU time.
 *
 *   npx tsc -b packages/engine/tsconfig.json
 *   COLLABOPT_WASM_THREADS=1 npx tsx tools/bench/engine/max-pool-micro.ts [batch] [rounds]
 */
import { tf } from '@collabopt/engine';
import { wasmMicroSetup } from './bench-setup';
import { loadAverage } from './cpu-info';
import { interleaveWallAndCpu } from './interleave';
const {
  setDirectMaxPoolEnabled,
  // eslint-disable-next-line @typescript-eslint/no-require-imports
} = require('../../../packages/engine/dist/wasm-kernels');

const INPUTS: { name: string; x: [number, number, number] }[] = [
  { name: 'benchmark CNN pool1', x: [26, 26, 32] },
  { name: 'benchmark CNN pool2', x: [11, 11, 64] },
  { name: 'reference CNN pool1', x: [26, 26, 16] },
];

async function main(): Promise<void> {
  const { batch, rounds } = await wasmMicroSetup(21);
  for (const l of INPUTS) {
    const x = tf.randomNormal([batch, ...l.x]) as tf.Tensor4D;
    const pool = (direct: boolean) => () => {
      setDirectMaxPoolEnabled(direct);
      return tf.maxPool(x, 2, 2, 'valid');
    };
    const t = interleaveWallAndCpu(
      { direct: pool(true), xnnpack: pool(false), relu: () => tf.relu(x) },
      rounds,
    );
    const fmt = (n: string) => `${n} ${t[n]!.wall.toFixed(2)} ms (cpu ${t[n]!.cpu.toFixed(2)})`;
    console.log(
      `${l.name} x[${batch},${l.x}]: ${fmt('direct')}; ${fmt('xnnpack')}; ${fmt('relu')}; speed-up ${(t['xnnpack']!.wall / t['direct']!.wall).toFixed(2)}× wall, ${(t['xnnpack']!.cpu / t['direct']!.cpu).toFixed(2)}× cpu (medians)`,
    );
    x.dispose();
  }
  setDirectMaxPoolEnabled(true);
  console.log(`load average ${loadAverage()}`);
}

void main();
