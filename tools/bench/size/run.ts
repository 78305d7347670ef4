/**
 * Size benchmark (issue #17): how small collabopt's int8 files get on the reference CNN with
 * Fashion-MNIST, measured by TensorFlow's own TFLite interpreter on the 10,000 test images.
 *
 *   npm run bench:size              # 60k training images, 3 Keras epochs, 1 fine-tuning epoch, 600 s search limit
 *   npm run bench:size -- --quick   # 10k training images, 1 epoch, 60 s search limit
 *
 * The float model is trained by Keras in the oracle venv (keras_reference.py) and read from its
 * float .tflite, so collabopt's files and TFLiteConverter's (full int8 and 16x8) start from the
 * same weights; the peers are measured in the same run. Per leaf: interpreter accuracy, raw bytes,
 * deflated bytes (zlib, what a zip stores), the most int8 codes per kernel tensor and per channel.
 * Then the accuracy-budget search (preserve's searchBudget) for budgets 0.5 and 1.0 points: its
 * Pareto front and wall time (sensitivity measured once, counted in the first search's time).
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { deflatedSize, formatTable, type Graph } from '@collabopt/core';
import { registerAllPlugins } from '@collabopt/cli';
import { createDataset, getEngine, loadFashionMnist } from '@collabopt/engine';
import { readTflite, writeTflite } from '@collabopt/format-tflite';
import {
  branchLabel,
  kernelFigures,
  pruneFrequencyFor,
  runPipelineCopy,
  runSensitivity,
  searchBudget,
  type BudgetSearchResult,
} from '@collabopt/preserve';
import { arg } from '../args';

const REPO = path.resolve(__dirname, '../../..');
const PYTHON = path.join(REPO, '.venv-oracle', 'bin', 'python');
const QUICK = arg('quick') === 'true';
const TRAIN = Number(arg('samples') ?? (QUICK ? 10000 : 60000));
const EPOCHS = Number(arg('epochs') ?? (QUICK ? 1 : 3));
const LIMIT = Number(arg('time-limit') ?? (QUICK ? 60 : 600));
const FINE_TUNE_EPOCHS = 1;

function python(script: string, args: string[]): string {
  const r = spawnSync(PYTHON, [path.join(__dirname, script), ...args], {
    encoding: 'utf8',
    maxBuffer: 1 << 26,
    env: { ...process.env, TF_CPP_MIN_LOG_LEVEL: '3' },
  });
  if (r.status !== 0) throw new Error(`${script} failed (${r.status}):\n${r.stderr}`);
  return r.stdout.slice(r.stdout.lastIndexOf('{'));
}

const dir = mkdtempSync(path.join(tmpdir(), 'collabopt-bench-size-'));
const kib = (n: number): string => `${(n / 1024).toFixed(1)} KiB`;
const pct = (x: number): string => `${(x * 100).toFixed(2)}%`;
/** The Keras layer name inside a converter tensor name (functional_1_1/conv1_1/Relu… → conv1). */
const layer = (name: string): string => /functional_\d+_\d+\/(\w+?)_\d+\//.exec(name)?.[1] ?? name;

async function main(): Promise<void> {
  registerAllPlugins();
  console.log(
    `bench:size${QUICK ? ' --quick' : ''}: Keras trains the reference CNN on ${TRAIN} Fashion-MNIST images for ${EPOCHS} epoch(s); machine shared and loaded, sizes are exact, times are not`,
  );
  const keras = JSON.parse(python('keras_reference.py', [dir, String(TRAIN), String(EPOCHS)])) as {
    keras_accuracy: number;
    seconds: number;
  };
  const baseline = readTflite(readFileSync(path.join(dir, 'float.tflite')));
  const fashion = loadFashionMnist();
  const n = Math.min(TRAIN, fashion.train.count);
  const per = 28 * 28;
  const train = createDataset(
    fashion.train.x.subarray(0, n * per),
    fashion.train.y.subarray(0, n),
    [28, 28, 1],
    'fashion-mnist/train',
  );
  const calibration = createDataset(
    fashion.train.x.subarray(0, 500 * per),
    fashion.train.y.subarray(0, 500),
    [28, 28, 1],
    'calibration',
  );
  const data = { train, test: fashion.test, calibration };
  const engine = await getEngine();
  console.log(`engine backend ${engine.backend}`);
  const context = { engine, data, seed: 0, teacher: baseline };

  const frequency = pruneFrequencyFor(n, FINE_TUNE_EPOCHS);
  const prune = `prune(sparsity=0.5, epochs=${FINE_TUNE_EPOCHS}${frequency !== undefined ? `, frequency=${frequency}` : ''})`;
  const leaves: { id: string; pipeline: string }[] = [
    { id: 'int8 PTQ', pipeline: 'ptq(mode=int8)' },
    { id: 'int4 PTQ', pipeline: 'ptq(mode=int8, weightBits=4)' },
    { id: '16x8 PTQ', pipeline: 'ptq(mode=int16x8)' },
    {
      id: 'pruned 50% → int8 PTQ',
      pipeline: `${prune} | ptq(mode=int8)`,
    },
    {
      id: 'pruned 50% → int4 PTQ',
      pipeline: `${prune} | ptq(mode=int8, weightBits=4)`,
    },
    {
      id: 'clustered 16 → int8 PTQ',
      pipeline: `cluster(clusters=16, epochs=${FINE_TUNE_EPOCHS}, kmeansIterations=100, learningRate=0.0001) | ptq(mode=int8)`,
    },
    {
      id: 'pruned 50% → sp-clustered 16 → int8 PTQ',
      pipeline: `${prune} | sparsityPreservingCluster(clusters=16, epochs=${FINE_TUNE_EPOCHS}, kmeansIterations=100, learningRate=0.0001) | ptq(mode=int8)`,
    },
  ];
  const rows: {
    id: string;
    file: string;
    seconds?: number;
    codes?: [number, number];
    sim?: number;
  }[] = [
    { id: 'float (Keras → TFLiteConverter)', file: path.join(dir, 'float.tflite') },
    { id: 'TFLiteConverter int8', file: path.join(dir, 'converter-int8.tflite') },
    { id: 'TFLiteConverter 16x8', file: path.join(dir, 'converter-16x8.tflite') },
  ];
  for (const [i, leaf] of leaves.entries()) {
    const t0 = Date.now();
    const graph: Graph = await runPipelineCopy(baseline, leaf.pipeline, context);
    const file = path.join(dir, `leaf-${i}.tflite`);
    writeFileSync(file, writeTflite(graph, { logger: { warn: () => {} } }));
    const k = kernelFigures(graph);
    rows.push({
      id: `collabopt ${leaf.id}`,
      file,
      seconds: (Date.now() - t0) / 1000,
      codes: [k.maxUniquePerKernel, k.maxUniquePerChannel],
    });
    console.log(`  built ${leaf.id} in ${((Date.now() - t0) / 1000).toFixed(1)} s`);
  }

  // The budget searches: sensitivity once, reused by both budgets.
  const searches: { budget: number; result: BudgetSearchResult; seconds: number }[] = [];
  const s0 = Date.now();
  const sensitivity = await runSensitivity(baseline, { ...context, probes: ['int8', 'int4'] });
  const sensitivitySeconds = (Date.now() - s0) / 1000;
  for (const budget of [0.5, 1.0]) {
    const t0 = Date.now();
    const result = await searchBudget(baseline, {
      ...context,
      budget,
      objective: 'zip',
      timeLimitSeconds: LIMIT,
      epochs: FINE_TUNE_EPOCHS,
      sensitivity,
      writer: async (g) => [
        { path: 'm.tflite', bytes: writeTflite(g, { logger: { warn: () => {} } }) },
      ],
    });
    searches.push({ budget, result, seconds: (Date.now() - t0) / 1000 });
    if (result.chosenFiles) {
      const file = path.join(dir, `budget-${budget}.tflite`);
      writeFileSync(file, result.chosenFiles[0]!.bytes);
      rows.push({
        id: `collabopt budget ${budget}: ${branchLabel(result.chosen!.branch)}, 4-bit ${result.chosen!.fourBitLayers.map(layer).join(',') || '-'}, float ${result.chosen!.floatLayers.map(layer).join(',') || '-'}`,
        file,
        sim: result.chosen!.metric,
      });
    }
  }

  const acc = JSON.parse(
    python(
      'fashion_mnist_accuracy.py',
      rows.map((r) => r.file),
    ),
  ) as Record<string, number>;
  const floatAcc = acc[rows[0]!.file]!;
  const int8Bytes = readFileSync(rows.find((r) => r.id === 'collabopt int8 PTQ')!.file).length;
  console.log(
    `\nreference CNN, Fashion-MNIST test (10,000), TF ${'2.21'} interpreter accuracy; Keras float ${pct(keras.keras_accuracy)}`,
  );
  console.log(
    formatTable(
      [
        'file',
        'accuracy',
        'Δ vs float (points)',
        'raw',
        'zip',
        'raw vs our int8',
        'codes/tensor',
        'codes/channel',
      ],
      rows.map((r) => {
        const bytes = readFileSync(r.file);
        const a = acc[r.file]!;
        return [
          r.id,
          pct(a),
          ((a - floatAcc) * 100).toFixed(2),
          kib(bytes.length),
          kib(deflatedSize(bytes)),
          `${(bytes.length / int8Bytes).toFixed(2)}×`,
          r.codes ? String(r.codes[0]) : '',
          r.codes ? String(r.codes[1]) : '',
        ];
      }),
    ),
  );
  console.log(
    `\nsensitivity (int8 / int4 PTQ of one layer, drop in points; ${sensitivitySeconds.toFixed(0)} s):`,
  );
  console.log(
    formatTable(
      ['layer', 'int8', 'int4'],
      sensitivity.layers.map((l) => [
        layer(l.layer),
        (l.drop.int8 ?? NaN).toFixed(2),
        (l.drop.int4 ?? NaN).toFixed(2),
      ]),
    ),
  );
  for (const s of searches) {
    const r = s.result;
    console.log(
      `\nbudget ${s.budget} points: ${r.candidates.length} candidates in ${s.seconds.toFixed(0)} s${r.stoppedByTime ? ' (time limit hit)' : ''}; Pareto front (int8 simulation on the 10k test set):`,
    );
    console.log(
      formatTable(
        ['', 'branch', '4-bit layers', 'float layers', 'sim accuracy', 'drop', 'raw', 'zip'],
        r.pareto.map((c) => [
          c.id === r.chosen?.id ? '*' : '',
          branchLabel(c.branch),
          c.fourBitLayers.map(layer).join(',') || '-',
          c.floatLayers.map(layer).join(',') || '-',
          pct(c.metric),
          c.drop.toFixed(2),
          kib(c.bytes),
          kib(c.zipBytes),
        ]),
      ),
    );
  }
  const int4 = rows.find((r) => r.id === 'collabopt int4 PTQ')!;
  const ours16 = rows.find((r) => r.id === 'collabopt 16x8 PTQ')!;
  const conv16 = rows.find((r) => r.id === 'TFLiteConverter 16x8')!;
  const b1 = searches.find((s) => s.budget === 1.0)!;
  console.log(
    `\nkey: int4/int8 raw ${(readFileSync(int4.file).length / int8Bytes).toFixed(2)}×, int4 Δacc ${((acc[int4.file]! - floatAcc) * 100).toFixed(2)} pts; our 16x8 ${pct(acc[ours16.file]!)} vs converter 16x8 ${pct(acc[conv16.file]!)} (raw ${(readFileSync(ours16.file).length / readFileSync(conv16.file).length).toFixed(2)}×); budget 1.0 → ${b1.result.chosen ? `${kib(b1.result.chosen.zipBytes)} zip, interpreter drop ${((floatAcc - acc[path.join(dir, 'budget-1.tflite')]!) * 100).toFixed(2)} pts` : 'none'} in ${b1.seconds.toFixed(0)} s`,
  );
}

main().catch((e) => {
  console.error(e);
  process.exit(1);
});
