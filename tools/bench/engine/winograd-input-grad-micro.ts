/**
 * Microbenchmark behind the Winograd F(2×2, 3×3) conv input gradient on wasm
 * (src/wasm-kernels/conv2d-backprop-input-winograd.ts) vs the direct SIMD input gradient
 * (conv2d-backprop-input-simd.ts) it runs before, on the 3×3 stride-1 convolutions of the
 * benchmark and reference CNNs: interleaved in one process, a fresh dy each call (its cost
 * measured alone and subtracted), medians of wall time and of the process's CPU time (with 1
 * thread the kernel's own work, which preemption on a loaded machine does not inflate).
 *
 *   npx tsc -b packages/engine/tsconfig.json
 *   COLLABOPT_WASM_THREADS=1 npx tsx tools/bench/engine/winograd-input-grad-micro.ts [batch] [rounds]
 */
import { tf } from '@collabopt/engine';
import { wasmMicroSetup, type ConvBenchLayer } from './bench-setup';
import { loadAverage } from './cpu-info';
import { interleaveWallAndCpu } from './interleave';
const {
  setWinogradInputGradEnabled,
  // eslint-disable-next-line @typescript-eslint/no-require-imports
} = require('../../../packages/engine/dist/wasm-kernels');

const LAYERS: Omit<ConvBenchLayer, 's'>[] = [
  { name: 'benchmark CNN conv2', x: [13, 13, 32], f: [3, 3, 32, 64], pad: 'valid' },
  { name: 'reference CNN conv2', x: [13, 13, 16], f: [3, 3, 16, 32], pad: 'valid' },
  { name: '3×3 same 32→32', x: [14, 14, 32], f: [3, 3, 32, 32], pad: 'same' },
];

async function main(): Promise<void> {
  const { batch, rounds } = await wasmMicroSetup(21);
  for (const l of LAYERS) {
    const filter = tf.randomNormal(l.f);
    const inputShape = [batch, ...l.x];
    const dyShape = l.pad === 'same' ? inputShape : [batch, l.x[0]! - 2, l.x[1]! - 2];
    const dy0 = tf.randomNormal([...dyShape.slice(0, 3), l.f[3]]);
    const grad = (winograd: boolean) => () => {
      setWinogradInputGradEnabled(winograd);
      return tf.tidy(
        () =>
          tf.engine().runKernel('Conv2DBackpropInput', { dy: tf.add(dy0, 1), filter }, {
            strides: 1,
            pad: l.pad,
            dataFormat: 'NHWC',
            inputShape,
          } as unknown as tf.NamedAttrMap) as tf.Tensor,
      );
    };
    const t = interleaveWallAndCpu(
      { direct: grad(false), winograd: grad(true), dyOnly: () => tf.add(dy0, 1) },
      rounds,
    );
    const net = (n: string, key: 'wall' | 'cpu') => t[n]![key] - t['dyOnly']![key];
    console.log(
      `${l.name} dx[${inputShape}] f[${l.f}] ${l.pad}: direct ${net('direct', 'wall').toFixed(2)} ms (cpu ${net('direct', 'cpu').toFixed(2)}); winograd ${net('winograd', 'wall').toFixed(2)} ms (cpu ${net('winograd', 'cpu').toFixed(2)}); winograd vs direct ${(net('direct', 'wall') / net('winograd', 'wall')).toFixed(2)}× wall, ${(net('direct', 'cpu') / net('winograd', 'cpu')).toFixed(2)}× cpu (medians, dy copy subtracted)`,
    );
    tf.dispose([filter, dy0]);
  }
  setWinogradInputGradEnabled(true);
  console.log(`load average ${loadAverage()}`);
}

void main();
