/**
 * A/B of whole wasm training steps with the direct SIMD convolution gradients
 * (src/wasm-kernels/conv2d-backprop-{filter,input}-simd.ts) switched on and off, interleaved in
 * one process (same load for both), median of the rounds.
 *
 *   npx tsc -b packages/engine/tsconfig.json && npx tsx tools/bench/engine/conv-grad-training-ab.ts [rounds]
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
} from '@collabopt/engine';

const {
  setBlockedFilterGradEnabled,
  setBlockedInputGradEnabled,
  // eslint-disable-next-line @typescript-eslint/no-require-imports
} = require('../../../packages/engine/dist/wasm-kernels');

const BATCH = 64;
const STEPS = 10;

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.floor(s.length / 2)]!;
}

async function main(): Promise<void> {
  const rounds = Number(process.argv[2] ?? 5);
  await activateBackend('wasm');
  const engine = await createEngine({ backend: 'wasm', logger: silentLogger });
  const data = take(loadFashionMnist().train, BATCH * STEPS);
  const loads = [os.loadavg()[0]!];
  for (const [name, build] of [
    ['benchmark CNN', benchmarkCnn],
    ['reference CNN', referenceCnn],
  ] as const) {
    const graph = build(0);
    const ms: Record<'direct' | 'transposedConv', number[]> = { direct: [], transposedConv: [] };
    for (let r = 0; r <= rounds; r++) {
      for (const variant of ['direct', 'transposedConv'] as const) {
        setBlockedFilterGradEnabled(variant === 'direct');
        setBlockedInputGradEnabled(variant === 'direct');
        const t0 = performance.now();
        await engine.fit(graph, data, { epochs: 1, batchSize: BATCH });
        if (r > 0) ms[variant].push((performance.now() - t0) / STEPS); // round 0 warms up
      }
    }
    const d = median(ms.direct);
    const t = median(ms.transposedConv);
    console.log(
      `${name} batch ${BATCH}: ms per step direct ${d.toFixed(1)}, transposed conv ${t.toFixed(1)}; speed-up ${(t / d).toFixed(2)}× (median of ${rounds} interleaved rounds)`,
    );
  }
  setBlockedFilterGradEnabled(true);
  setBlockedInputGradEnabled(true);
  loads.push(os.loadavg()[0]!);
  console.log(`load average ${loads.map((l) => l.toFixed(1)).join(' → ')} (shared 2-core machine)`);
}
void main();
