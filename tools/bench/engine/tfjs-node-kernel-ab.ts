/**
 * A/B of whole tfjs-node training steps with one of the engine's tensorflow-backend kernels
 * registered (on) and unregistered (off: the engine falls back to its portable composition),
 * interleaved in one process so both see the same load; prints per-round paired ratios and their
 * median. Example, the rank-2 MatMul kernel (src/tfjs-node-matmul.ts) on the reference CNN:
 *
 *   npx tsc -b packages/engine/tsconfig.json
 *   npx tsx tools/bench/engine/tfjs-node-kernel-ab.ts CollaboptMatMul reference 128 7
 */
import { tf } from '@collabopt/engine';
import { median } from '../stats';
import { BENCH_MODELS, benchEngine, timedEpoch, trainingExamples } from './bench-setup';
import { loadDrift } from './cpu-info';
import { interleaveOnOff } from './interleave';

const STEPS = 40;

async function main(): Promise<void> {
  const [kernel, model = 'reference', batchArg = '128', roundsArg = '5'] = process.argv.slice(2);
  const build = BENCH_MODELS[model];
  if (kernel === undefined || build === undefined)
    throw new Error(
      `usage: tfjs-node-kernel-ab.ts <kernel> <${Object.keys(BENCH_MODELS).join('|')}> [batch] [rounds]`,
    );
  const batch = Number(batchArg);
  const rounds = Number(roundsArg);
  const engine = await benchEngine('tensorflow');
  const config = tf.getKernel(kernel, 'tensorflow');
  if (config === undefined) throw new Error(`no kernel ${kernel} on the tensorflow backend`);
  const data = trainingExamples(batch * STEPS);
  const graph = build(0);
  const setKernel = (on: boolean): void => {
    const registered = tf.getKernel(kernel, 'tensorflow') !== undefined;
    if (on && !registered) tf.registerKernel(config);
    if (!on && registered) tf.unregisterKernel(kernel, 'tensorflow');
  };
  const load = loadDrift();
  // Process CPU time (all threads) per step too: on a machine loaded many times over, wall time
  // mostly measures waiting for a core.
  const times = await interleaveOnOff(rounds, async (variant) => {
    setKernel(variant === 'on');
    return timedEpoch(engine, graph, data, batch, STEPS);
  });
  setKernel(true);
  console.log(`${kernel}, ${model} batch ${batch}, ${STEPS} steps per round, ${rounds} rounds:`);
  for (const [what, t] of Object.entries(times)) {
    const paired = t.on.map((on, i) => t.off[i]! / on);
    console.log(
      `  ${what} ms per step: on ${median(t.on).toFixed(1)}, off ${median(t.off).toFixed(1)}; speed-up ratio of medians ${(median(t.off) / median(t.on)).toFixed(2)}×, paired median ${median(paired).toFixed(2)}× (per round ${paired.map((p) => p.toFixed(2)).join(' ')})`,
    );
  }
  console.log(load.report());
}
void main();
