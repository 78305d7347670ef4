/**
 * Microbenchmark behind src/wasm-kernels/adam-update.ts: FlatAdamOptimizer's step over the
 * reference CNN's 56,714 and the benchmark CNN's 421,642 parameters as the fused kernel
 * ("fused") and as TF.js's elementwise kernels ("composed", the kernel unregistered),
 * interleaved in one process (same load): median wall and CPU ms per step.
 *
 *   npx tsc -b packages/engine/tsconfig.json
 *   COLLABOPT_WASM_THREADS=1 npx tsx tools/bench/engine/adam-update-micro.ts [rounds]
 */
import { activateBackend, tf, wasmThreadsStatus } from '@collabopt/engine';
import { median } from '../stats';
import { loadAverage } from './cpu-info';

// eslint-disable-next-line @typescript-eslint/no-require-imports
const { ADAM_UPDATE } = require('../../../packages/engine/dist/wasm-kernels');
// eslint-disable-next-line @typescript-eslint/no-require-imports
const { FlatAdamOptimizer } = require('../../../packages/engine/dist/flat-adam');

async function main(): Promise<void> {
  const rounds = Number(process.argv[2] ?? 200);
  await activateBackend('wasm');
  const fused = tf.getKernel(ADAM_UPDATE, 'wasm');
  if (fused === undefined) throw new Error(`${ADAM_UPDATE} is not registered for wasm`);
  console.log(
    `wasm ${wasmThreadsStatus()?.threads ?? 1} threads, ${rounds} rounds; load average ${loadAverage()} (shared machine)`,
  );
  for (const sizes of [
    [144, 16, 4608, 32, 51200, 64, 640, 10],
    [288, 32, 18432, 64, 400000, 10, 2848],
  ]) {
    const vars = sizes.map((n) => tf.variable(tf.randomNormal([n])));
    const grads = Object.fromEntries(vars.map((v) => [v.name, tf.randomNormal(v.shape)]));
    const optimizer = new FlatAdamOptimizer(1e-3);
    const wall: Record<string, number[]> = { fused: [], composed: [] };
    const cpu: Record<string, number[]> = { fused: [], composed: [] };
    for (let r = -5; r < rounds; r++) {
      for (const variant of ['fused', 'composed'] as const) {
        if (variant === 'composed') tf.unregisterKernel(ADAM_UPDATE, 'wasm');
        const c0 = process.cpuUsage();
        const t0 = performance.now();
        optimizer.applyGradients(grads);
        const w = performance.now() - t0;
        const c = process.cpuUsage(c0);
        if (variant === 'composed') tf.registerKernel(fused);
        if (r >= 0) {
          wall[variant]!.push(w);
          cpu[variant]!.push((c.user + c.system) / 1000);
        }
      }
    }
    const total = sizes.reduce((a, b) => a + b, 0);
    console.log(
      `${total} parameters in ${sizes.length} variables: fused ${median(wall['fused']!).toFixed(3)} ms (cpu ${median(cpu['fused']!).toFixed(3)}), composed ${median(wall['composed']!).toFixed(3)} ms (cpu ${median(cpu['composed']!).toFixed(3)}); fused ${(median(wall['composed']!) / median(wall['fused']!)).toFixed(2)}× faster (wall medians)`,
    );
    optimizer.dispose();
    tf.dispose([...vars, ...Object.values(grads)]);
  }
  console.log(`load average ${loadAverage()}`);
}
void main();
