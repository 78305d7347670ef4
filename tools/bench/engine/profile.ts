/**
 * Per-kernel profile of engine training steps (batch 64, Adam) on one backend: kernels per step,
 * kernel milliseconds per step, unprofiled wall milliseconds per step, then the costliest kernels
 * by name and input shapes. Nested kernels (a kernel built from other kernels) count twice.
 *
 *   npx tsc -b packages/engine/tsconfig.json
 *   npx tsx tools/bench/engine/profile.ts tensorflow            # benchmark CNN
 *   npx tsx tools/bench/engine/profile.ts wasm reference         # reference CNN (DESIGN.md)
 *   npx tsx tools/bench/engine/profile.ts wasm mobilenet-v1 128  # MobileNet-v1 style, batch 128
 *   PROFILE_NAMES=1 npx tsx tools/bench/engine/profile.ts tensorflow   # + dispatches per kernel name
 *   PROFILE_XNNPACK_CONV=1 npx tsx tools/bench/engine/profile.ts wasm   # forward convs by XNNPACK
 */
import { loadFashionMnist, take, tf, wasmThreadsStatus, type BackendName } from '@collabopt/engine';
import { benchEngine, benchModel } from './bench-setup';
import { loadAverage } from './cpu-info';
import { formatProfile, profileTraining } from './kernel-profile';
const {
  backendMemory,
  setDirectForwardConvEnabled,
  simdThreadPoolOn,
  // eslint-disable-next-line @typescript-eslint/no-require-imports
} = require('../../../packages/engine/dist/wasm-kernels');

const PROFILED_STEPS = 10;
const TIMED_STEPS = 20;

async function main(): Promise<void> {
  const backend = (process.argv[2] ?? 'wasm') as BackendName;
  const build = benchModel(process.argv[3] ?? 'bench');
  const batch = Number(process.argv[4] ?? 64);
  const engine = await benchEngine(backend);
  if (process.env['PROFILE_XNNPACK_CONV']) setDirectForwardConvEnabled(false);
  const threads = wasmThreadsStatus();
  const memory = backend === 'wasm' ? backendMemory(tf.backend()) : undefined;
  const helpers = memory === undefined ? 0 : (simdThreadPoolOn(memory)?.helpers ?? 0);
  console.log(
    `${backend}${threads === undefined ? '' : `: ${threads.threads} threads (${threads.build}), ${helpers} SIMD helper threads`}; load average ${loadAverage()} (shared machine)`,
  );
  const { train } = loadFashionMnist();
  const graph = build(0);
  const p = await profileTraining(engine, graph, train, batch, PROFILED_STEPS);
  if (process.env['PROFILE_NAMES'])
    console.log(
      [...p.dispatchesByName]
        .sort((a, b) => b[1] - a[1])
        .map(([n, c]) => `${n}:${c.toFixed(0)}`)
        .join(' '),
    );
  const t0 = performance.now();
  await engine.fit(graph, take(train, batch * TIMED_STEPS), { epochs: 1, batchSize: batch });
  console.log(
    `wall ms per step (unprofiled): ${((performance.now() - t0) / TIMED_STEPS).toFixed(1)}`,
  );
  console.log(formatProfile(p, 40));
  console.log(`load average ${loadAverage()}`);
}

void main();
