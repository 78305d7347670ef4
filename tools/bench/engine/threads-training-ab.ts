/**
 * A/B of whole wasm training steps (2-thread backend) with collabopt's SIMD kernels split across
 * the helper thread ("pool") and on the calling thread only ("single"), interleaved in one
 * process (same load for both): median and minimum ms per step over the rounds, per model.
 *
 *   npx tsc -b packages/engine/tsconfig.json
 *   COLLABOPT_WASM_THREADS=2 npx tsx tools/bench/engine/threads-training-ab.ts [rounds] [batch]
 */
import { tf } from '@collabopt/engine';
import { median } from '../stats';
import {
  SMALL_CNNS,
  benchEngine,
  timedEpoch,
  trainingExamples,
  type ModelBuilder,
} from './bench-setup';
import { loadDrift } from './cpu-info';
import { mobilenetV1, mobilenetV2 } from './mobilenet-models';

const {
  backendMemory,
  setSimdThreadPool,
  simdThreadPoolOn,
  // eslint-disable-next-line @typescript-eslint/no-require-imports
} = require('../../../packages/engine/dist/wasm-kernels');

const STEPS = 5;

const MODELS: readonly (readonly [string, ModelBuilder])[] = [
  ...SMALL_CNNS,
  ['mobilenet-v1', mobilenetV1],
  ['mobilenet-v2', mobilenetV2],
];

async function main(): Promise<void> {
  const rounds = Number(process.argv[2] ?? 5);
  const batch = Number(process.argv[3] ?? 64);
  const engine = await benchEngine('wasm');
  const memory = backendMemory(tf.backend());
  const pool = memory === undefined ? undefined : simdThreadPoolOn(memory);
  if (pool === undefined) {
    console.log('no SIMD thread pool: run with COLLABOPT_WASM_THREADS=2 (threaded wasm build)');
    return;
  }
  const data = trainingExamples(batch * STEPS);
  const load = loadDrift();
  const only = process.env['MODELS']?.split(',');
  for (const [name, build] of MODELS) {
    if (only !== undefined && !only.some((m) => name.startsWith(m))) continue;
    const graph = build(0);
    const ms: Record<'pool' | 'single', number[]> = { pool: [], single: [] };
    for (let r = 0; r <= rounds; r++) {
      for (const variant of ['pool', 'single'] as const) {
        setSimdThreadPool(memory, variant === 'pool' ? pool : undefined);
        const t = await timedEpoch(engine, graph, data, batch, STEPS);
        if (r > 0) ms[variant].push(t.wallMs); // round 0 warms up
      }
    }
    const f = (v: number[]) => `${median(v).toFixed(1)} (min ${Math.min(...v).toFixed(1)})`;
    console.log(
      `${name} batch ${batch}: ms per step pool ${f(ms.pool)}, single ${f(ms.single)}; ` +
        `pool faster ${(median(ms.single) / median(ms.pool)).toFixed(2)}× median, ` +
        `${(Math.min(...ms.single) / Math.min(...ms.pool)).toFixed(2)}× min (${rounds} interleaved rounds)`,
    );
  }
  setSimdThreadPool(memory, pool);
  console.log(load.report());
}
void main();
