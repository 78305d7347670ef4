/**
 * A/B of tfjs-node training with each step run as one TensorFlow graph (on, the default) and op by
 * op (off: `createEngine({ graphStep: false })`), interleaved in one process so both see the same
 * load; prints per-round paired ratios (off / on time per step, > 1 means the graph step is faster)
 * and their median, wall and process CPU time. Every round is one `fit` of `steps` steps, so the
 * graph side pays its per-fit cost (3 eager steps, two of them recorded, and the session's graph
 * optimization) in every round.
 *
 *   npx tsc -b packages/engine/tsconfig.json
 *   npx tsx tools/bench/engine/tfjs-node-graph-step-ab.ts reference 64 5 40
 */
import { silentLogger } from '@collabopt/core';
import { activateBackend, createEngine } from '@collabopt/engine';
import { median } from '../stats';
import { BENCH_MODELS, timedEpoch, trainingExamples } from './bench-setup';
import { describeCpu, loadDrift } from './cpu-info';
import { interleaveOnOff } from './interleave';

async function main(): Promise<void> {
  const [model = 'reference', batchArg = '64', roundsArg = '5', stepsArg = '40'] =
    process.argv.slice(2);
  const build = BENCH_MODELS[model];
  if (build === undefined)
    throw new Error(
      `usage: tfjs-node-graph-step-ab.ts <${Object.keys(BENCH_MODELS).join('|')}> [batch] [rounds] [steps]`,
    );
  const [batch, rounds, steps] = [batchArg, roundsArg, stepsArg].map(Number) as [
    number,
    number,
    number,
  ];
  await activateBackend('tensorflow');
  const engines = {
    on: await createEngine({ backend: 'tensorflow', logger: silentLogger, graphStep: true }),
    off: await createEngine({ backend: 'tensorflow', logger: silentLogger, graphStep: false }),
  };
  const data = trainingExamples(batch * steps);
  const graph = build(0);
  const load = loadDrift();
  const times = await interleaveOnOff(rounds, (variant) =>
    timedEpoch(engines[variant], graph, data, batch, steps),
  );
  console.log(`graph step, ${model} batch ${batch}, ${steps} steps per round, ${rounds} rounds:`);
  for (const [what, t] of Object.entries(times)) {
    const paired = t.on.map((on, i) => t.off[i]! / on);
    console.log(
      `  ${what} ms per step: graph ${median(t.on).toFixed(2)}, eager ${median(t.off).toFixed(2)}; speed-up paired median ${median(paired).toFixed(2)}× (per round ${paired.map((p) => p.toFixed(2)).join(' ')})`,
    );
  }
  console.log(`${describeCpu()}; ${load.report()}`);
}

void main();
