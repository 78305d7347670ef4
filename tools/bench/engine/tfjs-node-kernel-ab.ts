/**
 * A/B of whole tfjs-node training steps with one of the engine's tensorflow-backend kernels
 * registered (on) and unregistered (off: the engine falls back to its portable composition),
 * interleaved in one process so both see the same load; prints per-round paired ratios and their
 * median. Example, the rank-2 MatMul kernel (src/tfjs-node-matmul.ts) on the reference CNN:
 *
 *   npx tsc -b packages/engine/tsconfig.json
 *   npx tsx tools/bench/engine/tfjs-node-kernel-ab.ts CollaboptMatMul reference 128 7
 */
import * as os from 'node:os';
import { silentLogger, type Graph } from '@collabopt/core';
import {
  activateBackend,
  benchmarkCnn,
  createEngine,
  loadFashionMnist,
  referenceCnn,
  take,
  tf,
} from '@collabopt/engine';
import { median } from '../stats';
import { mobilenetV1, mobilenetV2 } from './mobilenet-models';

const MODELS: Record<string, (seed: number) => Graph> = {
  bench: benchmarkCnn,
  reference: referenceCnn,
  'mobilenet-v1': mobilenetV1,
  'mobilenet-v2': mobilenetV2,
};
const STEPS = 40;

async function main(): Promise<void> {
  const [kernel, model = 'reference', batchArg = '128', roundsArg = '5'] = process.argv.slice(2);
  const build = MODELS[model];
  if (kernel === undefined || build === undefined)
    throw new Error(
      `usage: tfjs-node-kernel-ab.ts <kernel> <${Object.keys(MODELS).join('|')}> [batch] [rounds]`,
    );
  const batch = Number(batchArg);
  const rounds = Number(roundsArg);
  await activateBackend('tensorflow');
  const engine = await createEngine({ backend: 'tensorflow', logger: silentLogger });
  const config = tf.getKernel(kernel, 'tensorflow');
  if (config === undefined) throw new Error(`no kernel ${kernel} on the tensorflow backend`);
  const data = take(loadFashionMnist().train, batch * STEPS);
  const graph = build(0);
  const setKernel = (on: boolean): void => {
    const registered = tf.getKernel(kernel, 'tensorflow') !== undefined;
    if (on && !registered) tf.registerKernel(config);
    if (!on && registered) tf.unregisterKernel(kernel, 'tensorflow');
  };
  const loads = [os.loadavg()[0]!];
  const ms: Record<'on' | 'off', number[]> = { on: [], off: [] };
  // Process CPU time (all threads) per step too: on a machine loaded many times over, wall time
  // mostly measures waiting for a core.
  const cpuMs: Record<'on' | 'off', number[]> = { on: [], off: [] };
  for (let r = 0; r <= rounds; r++) {
    // Alternate which variant goes first, so a load drift within a round favours neither.
    const order = r % 2 === 0 ? (['on', 'off'] as const) : (['off', 'on'] as const);
    for (const variant of order) {
      setKernel(variant === 'on');
      const t0 = performance.now();
      const c0 = process.cpuUsage();
      await engine.fit(graph, data, { epochs: 1, batchSize: batch });
      const c = process.cpuUsage(c0);
      if (r > 0) {
        // round 0 warms up
        ms[variant].push((performance.now() - t0) / STEPS);
        cpuMs[variant].push((c.user + c.system) / 1000 / STEPS);
      }
    }
  }
  setKernel(true);
  loads.push(os.loadavg()[0]!);
  console.log(`${kernel}, ${model} batch ${batch}, ${STEPS} steps per round, ${rounds} rounds:`);
  for (const [what, t] of [
    ['wall', ms],
    ['CPU', cpuMs],
  ] as const) {
    const paired = t.on.map((on, i) => t.off[i]! / on);
    console.log(
      `  ${what} ms per step: on ${median(t.on).toFixed(1)}, off ${median(t.off).toFixed(1)}; speed-up ratio of medians ${(median(t.off) / median(t.on)).toFixed(2)}×, paired median ${median(paired).toFixed(2)}× (per round ${paired.map((p) => p.toFixed(2)).join(' ')})`,
    );
  }
  console.log(`load average ${loads.map((l) => l.toFixed(1)).join(' → ')} (shared 2-core machine)`);
}
void main();
