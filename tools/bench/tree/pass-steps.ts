/**
 * Training-step cost of each kind of pass the deployment tree runs, on the MobileNet-v1-style
 * model of the engine benchmark with Fashion-MNIST batches: plain fine-tuning (no transform), the
 * pruning mask, the clustering codebook and QAT's fake quantization, each as its pass runs it
 * (one epoch over `--steps` batches of 128). Rounds are interleaved and each figure is the median
 * of `--reps` rounds, as milliseconds per step and as a ratio to the plain step of the same round.
 *
 *   npx tsc -b packages/preserve/tsconfig.json
 *   COLLABOPT_BACKEND=wasm npx tsx tools/bench/tree/pass-steps.ts --steps=20 --reps=3
 */
import * as os from 'node:os';
import { PassManager, PassRegistry, silentLogger, type Graph } from '@collabopt/core';
import { registerClusteringPasses } from '@collabopt/clustering';
import { getEngine, loadFashionMnist, take, type Engine } from '@collabopt/engine';
import { registerPruningPasses } from '@collabopt/pruning';
import { registerQuantizationPasses } from '@collabopt/quantization';
import { registerPreservePasses } from '@collabopt/preserve';
import { arg } from '../args';
import { mobilenetV1 } from '../engine/mobilenet-models';
import { median } from '../stats';

const STEPS = Number(arg('steps', '20'));
const REPS = Number(arg('reps', '3'));
const BATCH = 128;

/** Pass pipelines by row label; `undefined` is the plain fine-tuning step (engine.fit). */
const KINDS: readonly [string, string | undefined][] = [
  ['plain fit', undefined],
  ['prune (mask)', 'prune(sparsity=0.5, epochs=1, frequency=5)'],
  ['cluster (codebook)', 'cluster(clusters=16, epochs=1, kmeansIterations=1)'],
  ['qat (fake-quant)', 'qat(epochs=1)'],
];

const load = (): string =>
  os
    .loadavg()
    .map((l) => l.toFixed(2))
    .join(' ');

async function main(): Promise<void> {
  const engine: Engine = await getEngine();
  const passes = new PassRegistry();
  registerPruningPasses(passes);
  registerClusteringPasses(passes);
  registerQuantizationPasses(passes);
  registerPreservePasses(passes);
  const { train } = loadFashionMnist();
  const data = take(train, BATCH * STEPS);
  const baseline: Graph = mobilenetV1(0);
  // one warm-up epoch: compiled kernels, BatchNorm statistics of real data
  await engine.fit(baseline, take(train, BATCH * 4), { epochs: 1, batchSize: BATCH });
  console.log(
    `backend ${engine.backend}, ${STEPS} steps of ${BATCH} per pass, ${REPS} interleaved rounds; load average ${load()} (shared machine)`,
  );
  const ms = new Map<string, number[]>(KINDS.map(([k]) => [k, []]));
  const ratios = new Map<string, number[]>(KINDS.map(([k]) => [k, []]));
  for (let rep = 0; rep < REPS; rep++) {
    let plain = NaN;
    for (const [label, pipeline] of KINDS) {
      const graph = baseline.clone();
      const t0 = performance.now();
      if (pipeline === undefined)
        await engine.fit(graph, data, { epochs: 1, batchSize: BATCH, learningRate: 1e-4 });
      else
        await new PassManager({
          passRegistry: passes,
          engine,
          data: { train: data },
          seed: rep,
          logger: silentLogger,
        })
          .addPipeline(pipeline)
          .run(graph);
      const perStep = (performance.now() - t0) / STEPS;
      if (pipeline === undefined) plain = perStep;
      ms.get(label)!.push(perStep);
      ratios.get(label)!.push(perStep / plain);
    }
  }
  console.log('| pass | ms per step (median) | × plain step (median of rounds) |');
  console.log('|---|---|---|');
  for (const [label] of KINDS)
    console.log(
      `| ${label} | ${median(ms.get(label)!).toFixed(1)} | ${median(ratios.get(label)!).toFixed(2)}× |`,
    );
  console.log(`load average ${load()}`);
  console.log(
    `key: ${KINDS.map(([l]) => `${l.split(' ')[0]} ${median(ratios.get(l)!).toFixed(2)}×`).join(', ')}`,
  );
}

void main();
