/**
 * A/B of whole wasm training steps with the direct SIMD forward convolution and 2×2 max pooling
 * (src/wasm-kernels/conv2d-forward-simd.ts, max-pool-simd.ts) switched on ("direct") and off
 * (XNNPACK's, "xnnpack"),
 * interleaved in one process (same load for both), median of the rounds: wall ms per step and
 * process CPU ms per step (all threads; with 1 thread the step's own work, which preemption on a
 * loaded machine does not inflate).
 *
 *   npx tsc -b packages/engine/tsconfig.json
 *   COLLABOPT_WASM_THREADS=2 npx tsx tools/bench/engine/forward-kernels-training-ab.ts [rounds] [batch]
 */
import * as os from 'node:os';
import { silentLogger } from '@collabopt/core';
import {
  activateBackend,
  benchmarkCnn,
  createEngine,
  loadFashionMnist,
  referenceCnn,
  take,
  wasmThreadsStatus,
} from '@collabopt/engine';
import { median } from '../stats';

const {
  setDirectForwardConvEnabled,
  setDirectMaxPoolEnabled,
  // eslint-disable-next-line @typescript-eslint/no-require-imports
} = require('../../../packages/engine/dist/wasm-kernels');

const STEPS = 10;

async function main(): Promise<void> {
  const rounds = Number(process.argv[2] ?? 5);
  const batch = Number(process.argv[3] ?? 128);
  await activateBackend('wasm');
  const engine = await createEngine({ backend: 'wasm', logger: silentLogger });
  console.log(`wasm ${wasmThreadsStatus()?.threads ?? 1} threads, batch ${batch}`);
  const data = take(loadFashionMnist().train, batch * STEPS);
  const loads = [os.loadavg()[0]!];
  for (const [name, build] of [
    ['benchmark CNN', benchmarkCnn],
    ['reference CNN', referenceCnn],
  ] as const) {
    const graph = build(0);
    const ms: Record<'direct' | 'xnnpack', number[]> = { direct: [], xnnpack: [] };
    const cpu: Record<'direct' | 'xnnpack', number[]> = { direct: [], xnnpack: [] };
    for (let r = 0; r <= rounds; r++) {
      for (const variant of ['direct', 'xnnpack'] as const) {
        setDirectForwardConvEnabled(variant === 'direct');
        setDirectMaxPoolEnabled(variant === 'direct');
        const c0 = process.cpuUsage();
        const t0 = performance.now();
        await engine.fit(graph, data, { epochs: 1, batchSize: batch });
        const c = process.cpuUsage(c0);
        if (r > 0) {
          // round 0 warms up
          ms[variant].push((performance.now() - t0) / STEPS);
          cpu[variant].push((c.user + c.system) / 1000 / STEPS);
        }
      }
    }
    const d = median(ms.direct);
    const x = median(ms.xnnpack);
    const dc = median(cpu.direct);
    const xc = median(cpu.xnnpack);
    console.log(
      `${name} batch ${batch}: ms per step direct ${d.toFixed(1)} (cpu ${dc.toFixed(1)}), xnnpack ${x.toFixed(1)} (cpu ${xc.toFixed(1)}); speed-up ${(x / d).toFixed(2)}× wall, ${(xc / dc).toFixed(2)}× cpu (medians of ${rounds} interleaved rounds)`,
    );
  }
  setDirectForwardConvEnabled(true);
  setDirectMaxPoolEnabled(true);
  loads.push(os.loadavg()[0]!);
  console.log(`load average ${loads.map((l) => l.toFixed(1)).join(' → ')} (shared 2-core machine)`);
}
void main();
