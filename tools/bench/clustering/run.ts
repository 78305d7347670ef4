/**
 * Clustering benchmark (issue 7).
 *
 * 1. One-shot k-means speed: 10 million weights into 256 clusters (target < 2 s), with a NumPy
 *    peer running the same algorithm in the same run.
 * 2. Fashion-MNIST, DESIGN.md's reference CNN trained as the baseline (3 epochs, Adam 1e-3, batch
 *    128, fixed seed), then clustered with 16 and 8 clusters, per tensor and per channel, through
 *    the `cluster` pass (k-means++ init, fine-tuned); and a 50%-pruned model clustered with
 *    `sparsityPreservingCluster` (the pruned model comes from the pruning plugin's `prune` pass:
 *    constant 50%, 2 epochs). Prints test accuracy, unique values per kernel, sparsity,
 *    deflated weight bytes and wall time, and ends with one line of key figures.
 *    One-shot rows (k-means only) show the cost of clustering before any fine-tuning; fine-tuned
 *    rows train one more epoch than the baseline had, which can also raise accuracy.
 *    Targets: 16 clusters cost ≤ 0.7 points; sparsity-preserving clustering keeps exactly the
 *    pruned sparsity.
 *
 *   npm run bench:clustering [-- --speed-only --n=10000000 --k=256 --train-limit=N --epochs=1
 *                               --lr=1e-4 --baseline-epochs=3 --backend=wasm --peer=false --one-shot=false --fine-tune=false]
 */
import {
  countNonZeros,
  countUnique,
  formatTable,
  graphStatistics,
  PassManager,
  PassRegistry,
  silentLogger,
  type Graph,
} from '@collabopt/core';
import { registerClusteringPasses, type ClusterReport } from '@collabopt/clustering';
import { createEngine, loadFashionMnist, referenceCnn, type Dataset } from '@collabopt/engine';
import { registerPruningPasses } from '@collabopt/pruning';
import { kmeansSpeed, speedKeyFigures } from './kmeans-speed';
import { arg } from '../args';

function limit(d: Dataset, count: number): Dataset {
  if (count >= d.count) return d;
  const per = d.sampleShape.reduce((a, b) => a * b, 1);
  return { ...d, x: d.x.subarray(0, count * per), y: d.y.subarray(0, count), count };
}

const pct = (x: number): string => `${(x * 100).toFixed(2)}%`;
const secs = (ms: number): string => `${(ms / 1000).toFixed(1)} s`;

function kernels(graph: Graph) {
  return [...graph.weights()].filter((w) => w.slot === 'kernel');
}

/** Unique values per kernel, and for per-channel codebooks the most in one channel. */
function uniquePerKernel(graph: Graph): string {
  return kernels(graph)
    .map(({ node, weight }) => {
      const total = countUnique(weight.tensor.data);
      const cb = weight.annotations.codebook;
      if (cb?.channelAxes === undefined) return `${node.name} ${total}`;
      const data = weight.tensor.data as Float32Array;
      const channels = weight.tensor.shape[weight.tensor.shape.length - 1]!;
      let most = 0;
      for (let c = 0; c < channels; c++)
        most = Math.max(most, countUnique(data.filter((_, i) => i % channels === c)));
      return `${node.name} ${total} (≤${most}/ch)`;
    })
    .join(', ');
}

function kernelSparsity(graph: Graph): number[] {
  return kernels(graph).map(
    ({ weight }) => 1 - countNonZeros(weight.tensor.data) / weight.tensor.data.length,
  );
}

async function main(): Promise<void> {
  const n = Number(arg('n', '10000000'));
  const k = Number(arg('k', '256'));
  const peer = arg('peer', 'true') !== 'false';
  const speed = kmeansSpeed(n, k, peer);
  if (arg('speed-only', 'false') === 'true') {
    console.log(`\nKEY clustering: ${speedKeyFigures(speed)}`);
    return;
  }

  const trainLimit = Number(arg('train-limit', 'Infinity'));
  const epochs = Number(arg('epochs', '1'));
  const learningRate = Number(arg('lr', '1e-4'));
  const baselineEpochs = Number(arg('baseline-epochs', '3'));
  const seed = Number(arg('seed', '42'));
  const backend = arg('backend', '');
  const engine = await createEngine(
    backend ? { backend: backend as 'tensorflow' | 'wasm' | 'cpu' } : {},
  );
  const data = loadFashionMnist();
  const train = limit(data.train, trainLimit);
  const test = data.test;
  console.log(
    `\nbackend ${engine.backend}; train ${train.count}, test ${test.count} Fashion-MNIST images`,
  );

  const baseline = referenceCnn(seed);
  let t0 = Date.now();
  await engine.fit(baseline, train, {
    epochs: baselineEpochs,
    batchSize: 128,
    optimizer: 'adam',
    learningRate: 1e-3,
    seed,
  });
  const baselineMs = Date.now() - t0;
  const baseAcc = (await engine.evaluate(baseline, test, { batchSize: 512 })).accuracy;
  const baseStats = graphStatistics(baseline);
  console.log(
    `baseline: ${baselineEpochs} epochs in ${secs(baselineMs)}, test accuracy ${pct(baseAcc)}`,
  );

  const passes = new PassRegistry();
  registerClusteringPasses(passes);
  registerPruningPasses(passes);
  const rows: string[][] = [
    [
      'baseline',
      pct(baseAcc),
      '-',
      uniquePerKernel(baseline),
      pct(baseStats.sparsity),
      String(baseStats.deflatedBytes),
      '1.00',
      secs(baselineMs),
    ],
  ];
  const key: string[] = [`baseline ${pct(baseAcc)}`];

  const runPipeline = async (
    label: string,
    input: Graph,
    pipeline: string,
    reference: { acc: number; deflated: number },
  ) => {
    const graph = input.clone();
    const t = Date.now();
    const result = await new PassManager({
      passRegistry: passes,
      engine,
      data: { train },
      seed,
      logger: silentLogger,
    })
      .addPipeline(pipeline)
      .run(graph);
    const ms = Date.now() - t;
    const acc = (await engine.evaluate(result.graph, test, { batchSize: 512 })).accuracy;
    const stats = graphStatistics(result.graph);
    const report = result.records[result.records.length - 1]!.report as unknown as ClusterReport;
    const drop = (reference.acc - acc) * 100;
    rows.push([
      label,
      pct(acc),
      `${drop.toFixed(2)} pt`,
      uniquePerKernel(result.graph),
      pct(stats.sparsity),
      String(stats.deflatedBytes),
      (baseStats.deflatedBytes / stats.deflatedBytes).toFixed(2),
      secs(ms),
    ]);
    console.log(
      `${label}: ${pipeline} → ${pct(acc)} (${drop.toFixed(2)} pt) in ${secs(ms)}; skipped ${report.skipped.length}, few-distinct channels ${report.layers.map((l) => l.fewDistinctChannels.length).join('/')}`,
    );
    if (result.warnings.length > 0) console.log(`  warnings: ${result.warnings.join('; ')}`);
    return { graph: result.graph, acc, drop, stats };
  };

  // One-shot k-means (no training): the cost of clustering itself, before fine-tuning.
  if (arg('one-shot', 'true') !== 'false') {
    for (const clusters of [16, 8]) {
      for (const perChannel of [false, true]) {
        const label = `one-shot ${clusters} ${perChannel ? 'per-channel' : 'per-tensor'}`;
        const r = await runPipeline(
          label,
          baseline,
          `cluster(clusters=${clusters}, perChannel=${perChannel}, oneShot=true)`,
          { acc: baseAcc, deflated: baseStats.deflatedBytes },
        );
        key.push(`${label} ${pct(r.acc)} (drop ${r.drop.toFixed(2)} pt)`);
      }
    }
  }

  if (arg('fine-tune', 'true') === 'false') {
    printTable(rows);
    console.log(
      `\nKEY clustering (${engine.backend}, ${train.count} train imgs, one-shot only): ${speedKeyFigures(speed)}; ${key.join('; ')}`,
    );
    return;
  }

  const fineTune = `epochs=${epochs}, batchSize=128, learningRate=${learningRate}`;
  for (const clusters of [16, 8]) {
    for (const perChannel of [false, true]) {
      const label = `cluster ${clusters} ${perChannel ? 'per-channel' : 'per-tensor'}`;
      const r = await runPipeline(
        label,
        baseline,
        `cluster(clusters=${clusters}, perChannel=${perChannel}, kmeansIterations=100, ${fineTune})`,
        { acc: baseAcc, deflated: baseStats.deflatedBytes },
      );
      key.push(`${label} ${pct(r.acc)} (drop ${r.drop.toFixed(2)} pt, ${r.stats.deflatedBytes} B)`);
    }
  }

  const prunePipeline = `prune(sparsity=0.5, schedule=constant, epochs=2, batchSize=128, learningRate=1e-4)`;
  t0 = Date.now();
  const pruned = (
    await new PassManager({
      passRegistry: passes,
      engine,
      data: { train },
      seed,
      logger: silentLogger,
    })
      .addPipeline(prunePipeline)
      .run(baseline.clone())
  ).graph;
  const prunedMs = Date.now() - t0;
  console.log(`pruned: ${prunePipeline} in ${secs(prunedMs)}`);
  const prunedAcc = (await engine.evaluate(pruned, test, { batchSize: 512 })).accuracy;
  const prunedStats = graphStatistics(pruned);
  const prunedSparsity = kernelSparsity(pruned);
  rows.push([
    'pruned 50% (prune pass, 2 ep)',
    pct(prunedAcc),
    `${((baseAcc - prunedAcc) * 100).toFixed(2)} pt`,
    uniquePerKernel(pruned),
    pct(prunedStats.sparsity),
    String(prunedStats.deflatedBytes),
    (baseStats.deflatedBytes / prunedStats.deflatedBytes).toFixed(2),
    secs(prunedMs),
  ]);
  key.push(`pruned ${pct(prunedAcc)}`);
  for (const clusters of [16, 8]) {
    const label = `pruned → sparsityPreservingCluster ${clusters}`;
    const r = await runPipeline(
      label,
      pruned,
      `sparsityPreservingCluster(clusters=${clusters}, kmeansIterations=100, ${fineTune})`,
      { acc: prunedAcc, deflated: prunedStats.deflatedBytes },
    );
    const after = kernelSparsity(r.graph);
    const exact = after.every((s, i) => s === prunedSparsity[i]);
    console.log(
      `  kernel sparsity pruned [${prunedSparsity.map(pct).join(', ')}] → clustered [${after.map(pct).join(', ')}]: ${exact ? 'exactly kept' : 'CHANGED'}`,
    );
    key.push(
      `${label} ${pct(r.acc)} (drop vs pruned ${r.drop.toFixed(2)} pt, sparsity ${exact ? 'exactly kept' : 'CHANGED'} ${pct(r.stats.sparsity)})`,
    );
  }

  printTable(rows);
  console.log(
    `\nKEY clustering (${engine.backend}, ${train.count} train imgs, fine-tune ${epochs} ep lr ${learningRate}): ${speedKeyFigures(speed)}; ${key.join('; ')}`,
  );
}

function printTable(rows: string[][]): void {
  const header = [
    'model',
    'test acc',
    'drop',
    'unique values per kernel',
    'sparsity',
    'deflated B',
    'size ratio',
    'wall time',
  ];
  console.log('\n' + formatTable(header, rows));
}

main().catch((e: unknown) => {
  console.error(e);
  process.exit(1);
});
