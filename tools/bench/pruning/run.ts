/**
 * Pruning benchmark (issue 6): Fashion-MNIST, DESIGN.md's reference CNN trained as the baseline
 * (3 epochs, Adam 1e-3, batch 128, fixed seed), then pruned with `constant(s)` and fine-tuned for
 * 2 epochs through the `prune` pass (Adam 1e-3, as TFMOT's pruning_with_keras notebook compiles
 * with the default Adam), for each target sparsity s (default 0.5 and 0.8).
 * Prints baseline vs pruned test accuracy, per-layer sparsity, deflated weight bytes and wall
 * time, and ends with one line of key figures.
 *
 * The peer (unless --peer=false) is the same recipe in TensorFlow 2.21 / Keras 3 from the Python
 * oracle venv (`peer_keras.py`; TFMOT itself needs tf_keras, which is not installed), run after
 * ours so the two do not share the cores; the table shows both and the time ratio.
 *
 *   npm run bench:pruning [-- --sparsities=0.5,0.8 --epochs=2 --baseline-epochs=3 --train-limit=N --lr=1e-3 --frequency=100 --backend=wasm --peer=false]
 */
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import * as path from 'node:path';
import {
  createStreamProgress,
  formatTable,
  graphStatistics,
  PassManager,
  PassRegistry,
  silentLogger,
  type Graph,
} from '@collabopt/core';
import {
  createEngine,
  loadFashionMnist,
  referenceCnn,
  take,
  type Dataset,
} from '@collabopt/engine';
import { formatPruningReport, registerPruningPasses, type LayerSparsity } from '@collabopt/pruning';
import { arg } from '../args';

interface PeerResult {
  backend: string;
  baseline_seconds: number;
  baseline_accuracy: number;
  pruned: {
    sparsity: number;
    accuracy: number;
    seconds: number;
    kernel_sparsity: Record<string, number>;
  }[];
}

function runPeer(args: string[]): PeerResult | undefined {
  const python =
    process.env['COLLABOPT_ORACLE_PYTHON'] ??
    path.resolve(__dirname, '../../../.venv-oracle/bin/python');
  if (!existsSync(python)) {
    console.log(`peer skipped: no Python oracle at ${python}`);
    return undefined;
  }
  const r = spawnSync(python, [path.join(__dirname, 'peer_keras.py'), ...args], {
    encoding: 'utf8',
    maxBuffer: 64 * 1024 * 1024,
    env: { ...process.env, TF_CPP_MIN_LOG_LEVEL: '3', CUDA_VISIBLE_DEVICES: '' },
  });
  if (r.status !== 0) {
    console.log(`peer failed (exit ${r.status}): ${r.stderr.slice(-2000)}`);
    return undefined;
  }
  const line = r.stdout.trim().split('\n').pop()!;
  return JSON.parse(line) as PeerResult;
}

const pct = (x: number): string => `${(x * 100).toFixed(2)}%`;
const seconds = (ms: number): string => `${(ms / 1000).toFixed(1)} s`;

async function main(): Promise<void> {
  const sparsities = arg('sparsities', '0.5,0.8').split(',').map(Number);
  const epochs = Number(arg('epochs', '2'));
  const baselineEpochs = Number(arg('baseline-epochs', '3'));
  const trainLimit = Number(arg('train-limit', 'Infinity'));
  const learningRate = Number(arg('lr', '1e-3'));
  const seed = Number(arg('seed', '42'));
  const frequency = Number(arg('frequency', '100'));
  const backendArg = arg('backend', '');
  const peerWanted = arg('peer', 'true') !== 'false';

  const engine = await createEngine(
    backendArg ? { backend: backendArg as 'tensorflow' | 'wasm' | 'cpu' } : {},
  );
  const data = loadFashionMnist();
  const train: Dataset = Number.isFinite(trainLimit) ? take(data.train, trainLimit) : data.train;
  const test = data.test;
  console.log(
    `backend ${engine.backend}; train ${train.count}, test ${test.count} Fashion-MNIST images`,
  );

  const baseline: Graph = referenceCnn(seed);
  let t0 = Date.now();
  const progress = createStreamProgress(process.stderr);
  await engine.fit(baseline, train, {
    epochs: baselineEpochs,
    batchSize: 128,
    optimizer: 'adam',
    learningRate: 1e-3,
    seed,
    progress,
  });
  const baselineTrainMs = Date.now() - t0;
  const baseEval = await engine.evaluate(baseline, test, { batchSize: 512 });
  const baseStats = graphStatistics(baseline);
  console.log(
    `baseline: ${baselineEpochs} epochs in ${seconds(baselineTrainMs)}, test accuracy ${pct(baseEval.accuracy)}`,
  );

  const rows: string[][] = [
    [
      'collabopt baseline',
      pct(baseEval.accuracy),
      '-',
      pct(baseStats.sparsity),
      String(baseStats.deflatedBytes),
      '1.00',
      seconds(baselineTrainMs),
    ],
  ];
  const summary: string[] = [`baseline ${pct(baseEval.accuracy)}`];
  const fineTuneMs: number[] = [];
  const passes = new PassRegistry();
  registerPruningPasses(passes);

  for (const sparsity of sparsities) {
    const graph = baseline.clone();
    const pipeline = `prune(sparsity=${sparsity}, schedule=constant, frequency=${frequency}, epochs=${epochs}, batchSize=128, learningRate=${learningRate})`;
    t0 = Date.now();
    const result = await new PassManager({
      passRegistry: passes,
      engine,
      data: { train, test },
      seed,
      logger: silentLogger,
      progress,
    })
      .addPipeline(pipeline)
      .run(graph);
    const pruneMs = Date.now() - t0;
    const record = result.records[result.records.length - 1]!;
    const report = record.report as {
      layers: LayerSparsity[];
      accuracy?: { after: number };
      fitSeconds?: number;
    };
    const accuracy =
      report.accuracy?.after ??
      (await engine.evaluate(result.graph, test, { batchSize: 512 })).accuracy;
    const stats = graphStatistics(result.graph);
    const drop = (baseEval.accuracy - accuracy) * 100;
    const dropNow = (baseEval.accuracy - accuracy) * 100;
    console.log(
      `\n${pipeline}: ${seconds(pruneMs)} (fit ${seconds((report.fitSeconds ?? 0) * 1000)}), test accuracy ${pct(accuracy)} (drop ${dropNow.toFixed(2)} pt)`,
    );
    console.log(formatPruningReport(report));
    rows.push([
      `collabopt pruned ${pct(sparsity)}`,
      pct(accuracy),
      `${drop.toFixed(2)} pt`,
      pct(stats.sparsity),
      String(stats.deflatedBytes),
      (baseStats.deflatedBytes / stats.deflatedBytes).toFixed(2),
      seconds(pruneMs),
    ]);
    const kernelSparsity = report.layers
      .map((l) => `${l.node} ${pct(l.achievedSparsity)}`)
      .join(', ');
    summary.push(
      `@${pct(sparsity)}: ${pct(accuracy)} (drop ${drop.toFixed(2)} pt, ${stats.deflatedBytes} B deflated, ${(baseStats.deflatedBytes / stats.deflatedBytes).toFixed(2)}x; ${kernelSparsity})`,
    );
    fineTuneMs.push((report.fitSeconds ?? pruneMs / 1000) * 1000);
  }

  if (peerWanted) {
    const peerArgs = [
      `--sparsities=${sparsities.join(',')}`,
      `--epochs=${epochs}`,
      `--baseline-epochs=${baselineEpochs}`,
      `--seed=${seed}`,
      `--lr=${learningRate}`,
      `--frequency=${frequency}`,
    ];
    if (Number.isFinite(trainLimit)) peerArgs.push(`--train-limit=${trainLimit}`);
    const peer = runPeer(peerArgs);
    if (peer) {
      rows.push([
        'peer baseline',
        pct(peer.baseline_accuracy),
        '-',
        '-',
        '-',
        '-',
        seconds(peer.baseline_seconds * 1000),
      ]);
      const ratios = [
        `baseline training time ours/peer ${(baselineTrainMs / 1000 / peer.baseline_seconds).toFixed(2)}`,
      ];
      peer.pruned.forEach((p, i) => {
        const drop = (peer.baseline_accuracy - p.accuracy) * 100;
        const sp = Object.values(p.kernel_sparsity);
        rows.push([
          `peer pruned ${pct(p.sparsity)}`,
          pct(p.accuracy),
          `${drop.toFixed(2)} pt`,
          `kernels ${pct(Math.min(...sp))}`,
          '-',
          '-',
          seconds(p.seconds * 1000),
        ]);
        summary.push(
          `peer (${peer.backend}) @${pct(p.sparsity)}: ${pct(p.accuracy)} (drop ${drop.toFixed(2)} pt)`,
        );
        if (fineTuneMs[i] !== undefined)
          ratios.push(
            `fine-tune ${pct(p.sparsity)} time ours/peer ${(fineTuneMs[i]! / 1000 / p.seconds).toFixed(2)}`,
          );
      });
      summary.push(ratios.join(', '));
    }
  }

  console.log(
    '\n' +
      formatTable(
        ['model', 'test acc', 'drop', 'weight sparsity', 'deflated B', 'size ratio', 'train time'],
        rows,
      ),
  );
  console.log(
    `\nKEY pruning (${engine.backend}, ${train.count} train imgs, fine-tune ${epochs} ep): ${summary.join('; ')}`,
  );
}

main().catch((e: unknown) => {
  console.error(e);
  process.exit(1);
});
