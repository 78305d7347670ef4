/**
 * Per-kernel profile of engine training steps (batch 64, Adam) on one backend: kernels per step,
 * kernel milliseconds per step, unprofiled wall milliseconds per step, then the costliest kernels
 * by name and input shapes. Nested kernels (a kernel built from other kernels) count twice.
 *
 *   npx tsc -b packages/engine/tsconfig.json
 *   npx tsx tools/bench/engine/profile.ts tensorflow            # benchmark CNN
 *   npx tsx tools/bench/engine/profile.ts wasm reference         # reference CNN (DESIGN.md)
 *   PROFILE_NAMES=1 npx tsx tools/bench/engine/profile.ts tensorflow   # + dispatches per kernel name
 */
import { silentLogger } from '@collabopt/core';
import {
  activateBackend,
  benchmarkCnn,
  createEngine,
  loadFashionMnist,
  referenceCnn,
  take,
  tf,
  type BackendName,
} from '@collabopt/engine';

const BATCH = 64;
const PROFILED_STEPS = 10;
const TIMED_STEPS = 20;

async function main(): Promise<void> {
  const backend = (process.argv[2] ?? 'wasm') as BackendName;
  await activateBackend(backend);
  const engine = await createEngine({ backend, logger: silentLogger });
  const { train } = loadFashionMnist();
  const graph = process.argv[3] === 'reference' ? referenceCnn(0) : benchmarkCnn(0);
  await engine.fit(graph, take(train, BATCH * 3), { epochs: 1, batchSize: BATCH });
  const profile = await tf.profile(async () => {
    await engine.fit(graph, take(train, BATCH * PROFILED_STEPS), { epochs: 1, batchSize: BATCH });
  });
  const byKernel = new Map<string, { count: number; ms: number }>();
  const byName = new Map<string, number>();
  let total = 0;
  for (const k of profile.kernels) {
    const ms = typeof k.kernelTimeMs === 'number' ? k.kernelTimeMs : 0;
    const key = `${k.name} ${k.inputShapes.map((s) => `[${s}]`).join(',')}`;
    const e = byKernel.get(key) ?? { count: 0, ms: 0 };
    e.count++;
    e.ms += ms;
    byKernel.set(key, e);
    byName.set(k.name, (byName.get(k.name) ?? 0) + 1);
    total += ms;
  }
  if (process.env['PROFILE_NAMES'])
    console.log(
      [...byName]
        .sort((a, b) => b[1] - a[1])
        .map(([n, c]) => `${n}:${c / PROFILED_STEPS}`)
        .join(' '),
    );
  console.log(
    `kernels per step: ${(profile.kernels.length / PROFILED_STEPS).toFixed(1)}, kernel ms per step ${(total / PROFILED_STEPS).toFixed(1)}`,
  );
  const t0 = performance.now();
  await engine.fit(graph, take(train, BATCH * TIMED_STEPS), { epochs: 1, batchSize: BATCH });
  console.log(
    `wall ms per step (unprofiled): ${((performance.now() - t0) / TIMED_STEPS).toFixed(1)}`,
  );
  for (const [k, v] of [...byKernel].sort((a, b) => b[1].ms - a[1].ms).slice(0, 40))
    console.log(
      `${(v.ms / PROFILED_STEPS).toFixed(2).padStart(8)} ms  x${(v.count / PROFILED_STEPS).toFixed(0)}  ${k}`,
    );
}

void main();
