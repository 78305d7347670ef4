/**
 * Size benchmark (issue #17): how small collabopt's int8 files get on the reference CNN and on a
 * MobileNet-v1-style model with Fashion-MNIST, measured by TensorFlow's own TFLite interpreter on
 * the 10,000 test images.
 *
 *   npm run bench:size              # CNN: 60k images, 3 Keras epochs; MobileNet: 20k, 4 epochs; 600 s search limit
 *   npm run bench:size -- --quick   # CNN: 10k images, 1 epoch; MobileNet: 3k, 2 epochs; 60 s search limit
 *   npm run bench:size -- --models=reference,mobilenet   # either or both (default both)
 *
 * Both float models are trained by Keras in the oracle venv, so collabopt's files and
 * TFLiteConverter's (full int8 and 16x8) start from the same weights; the peers are measured in the
 * same run. The reference CNN comes from keras_reference.py (read from its float .tflite); the
 * MobileNet-style model is the one of e2e/cli/mobilenet-tree and bench:models
 * (e2e/cli/mobilenet_model.py, read from its TF.js Layers model.json; keras_json_converter.py writes
 * the converter's float and 16x8 files of it, its script the int8 one). Per leaf: interpreter
 * accuracy, raw bytes, deflated bytes (zlib, what a zip stores), the most int8 codes per kernel
 * tensor and per channel; a leaf that cannot be built says why in its row. Then the accuracy-budget
 * search (preserve's searchBudget) for budgets 0.5 and 1.0 points: its Pareto front and wall time.
 * The sensitivity pass is measured once per model and reused by both budgets; its time is printed
 * on its own and is not part of either search's time (nor of --time-limit).
 */
import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { cpus, loadavg, tmpdir } from 'node:os';
import * as path from 'node:path';
import { createConsoleLogger, deflatedSize, formatTable, type Graph } from '@collabopt/core';
import { registerAllPlugins } from '@collabopt/cli';
import {
  createDataset,
  getEngine,
  loadFashionMnist,
  type Dataset,
  type Engine,
} from '@collabopt/engine';
import { readTflite, writeTflite } from '@collabopt/format-tflite';
import {
  branchLabel,
  kernelFigures,
  pruneFrequencyFor,
  runPipelineCopy,
  runSensitivity,
  screeningSubset,
  searchBudget,
  type BudgetSearchResult,
} from '@collabopt/preserve';
import { trainKerasMobilenet } from '../../../e2e/helpers/keras-mobilenet';
import { arg } from '../args';
import { legalizedKerasMobilenet } from './mobilenet-baseline';

const REPO = path.resolve(__dirname, '../../..');
const PYTHON = path.join(REPO, '.venv-oracle', 'bin', 'python');
const QUICK = arg('quick') === 'true';
const TRAIN = Number(arg('samples') ?? (QUICK ? 10000 : 60000));
const EPOCHS = Number(arg('epochs') ?? (QUICK ? 1 : 3));
const MOBILENET_TRAIN = QUICK ? 3000 : 20000;
const MOBILENET_EPOCHS = QUICK ? 2 : 4;
/**
 * Test images the budget search screens MobileNet candidates (and measures sensitivity) on; the
 * chosen candidate and near-boundary ones are re-measured on all 10,000 (as is every file by the
 * interpreter).
 */
const MOBILENET_SCREEN = QUICK ? 2000 : undefined;
const LIMIT = Number(arg('time-limit') ?? (QUICK ? 60 : 600));
const MODELS = arg('models', 'reference,mobilenet').split(',');
const FINE_TUNE_EPOCHS = 1;

function python(script: string, args: string[]): string {
  const r = spawnSync(PYTHON, [path.resolve(__dirname, script), ...args], {
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

/** The first `n` samples of a data set. */
function first(d: Dataset, n: number, name: string): Dataset {
  const per = d.sampleShape.reduce((a, b) => a * b, 1);
  const count = Math.min(n, d.count);
  return createDataset(d.x.subarray(0, count * per), d.y.subarray(0, count), d.sampleShape, name);
}

/** One model to measure: its float graph, the data, and the peers' files (float first). */
interface BenchModel {
  readonly name: string;
  readonly key: string;
  readonly baseline: Graph;
  readonly data: { train: Dataset; test: Dataset; calibration: Dataset };
  /** Test samples the budget search screens on (undefined: all). */
  readonly screenSamples?: number;
  readonly kerasAccuracy: number;
  readonly peers: { id: string; file: string }[];
}

interface Row {
  id: string;
  file?: string;
  error?: string;
  codes?: [number, number];
}

interface BenchSummary {
  readonly model: BenchModel;
  readonly rows: Row[];
  readonly searches: { budget: number; result: BudgetSearchResult; seconds: number }[];
  readonly sensitivity: Awaited<ReturnType<typeof runSensitivity>>;
  readonly sensitivitySeconds: number;
}

async function referenceCnnModel(): Promise<BenchModel> {
  const out = path.join(dir, 'reference');
  mkdirSync(out);
  const keras = JSON.parse(python('keras_reference.py', [out, String(TRAIN), String(EPOCHS)])) as {
    keras_accuracy: number;
  };
  const fashion = loadFashionMnist();
  return {
    name: `reference CNN (Keras, ${TRAIN} train images, ${EPOCHS} epoch(s))`,
    key: 'reference',
    baseline: readTflite(readFileSync(path.join(out, 'float.tflite'))),
    data: {
      train: first(fashion.train, TRAIN, 'fashion-mnist/train'),
      test: fashion.test,
      calibration: first(fashion.train, 500, 'calibration'),
    },
    kerasAccuracy: keras.keras_accuracy,
    peers: [
      { id: 'float (Keras → TFLiteConverter)', file: path.join(out, 'float.tflite') },
      { id: 'TFLiteConverter int8', file: path.join(out, 'converter-int8.tflite') },
      { id: 'TFLiteConverter 16x8', file: path.join(out, 'converter-16x8.tflite') },
    ],
  };
}

/** The MobileNet-v1-style model of e2e/cli/mobilenet-tree and bench:models (its builder, reused). */
async function mobilenetModel(): Promise<BenchModel> {
  const data = path.join(dir, 'mobilenet-data');
  const model = path.join(dir, 'mobilenet');
  const fashion = loadFashionMnist();
  const keras = trainKerasMobilenet({
    fashion,
    train: MOBILENET_TRAIN,
    test: fashion.test.count,
    epochs: MOBILENET_EPOCHS,
    dataDir: data,
    modelDir: model,
    timeoutMs: 60 * 60_000,
  });
  python('keras_json_converter.py', [model, data]);
  const baseline = await legalizedKerasMobilenet(model);
  return {
    name: `MobileNet-v1-style (Keras, ${MOBILENET_TRAIN} train images, ${MOBILENET_EPOCHS} epochs${MOBILENET_SCREEN ? `; budget search screens on ${MOBILENET_SCREEN} test images` : ''})`,
    key: 'mobilenet',
    baseline,
    data: {
      train: first(fashion.train, MOBILENET_TRAIN, 'fashion-mnist/train'),
      test: fashion.test,
      calibration: first(fashion.train, 500, 'calibration'),
    },
    ...(MOBILENET_SCREEN ? { screenSamples: MOBILENET_SCREEN } : {}),
    kerasAccuracy: keras.kerasTestAccuracy,
    peers: [
      { id: 'float (Keras → TFLiteConverter)', file: path.join(model, 'float.tflite') },
      { id: 'TFLiteConverter int8', file: path.join(model, 'keras_ptq.tflite') },
      { id: 'TFLiteConverter 16x8', file: path.join(model, 'converter-16x8.tflite') },
    ],
  };
}

function leafPipelines(trainCount: number): { id: string; pipeline: string }[] {
  const frequency = pruneFrequencyFor(trainCount, FINE_TUNE_EPOCHS);
  const prune = `prune(sparsity=0.5, epochs=${FINE_TUNE_EPOCHS}${frequency !== undefined ? `, frequency=${frequency}` : ''})`;
  const cluster = `clusters=16, epochs=${FINE_TUNE_EPOCHS}, kmeansIterations=100, learningRate=0.0001`;
  return [
    { id: 'int8 PTQ', pipeline: 'ptq(mode=int8)' },
    { id: 'int4 PTQ', pipeline: 'ptq(mode=int8, weightBits=4)' },
    { id: '16x8 PTQ', pipeline: 'ptq(mode=int16x8)' },
    { id: 'pruned 50% → int8 PTQ', pipeline: `${prune} | ptq(mode=int8)` },
    { id: 'pruned 50% → int4 PTQ', pipeline: `${prune} | ptq(mode=int8, weightBits=4)` },
    { id: 'clustered 16 → int8 PTQ', pipeline: `cluster(${cluster}) | ptq(mode=int8)` },
    {
      id: 'pruned 50% → sp-clustered 16 → int8 PTQ',
      pipeline: `${prune} | sparsityPreservingCluster(${cluster}) | ptq(mode=int8)`,
    },
    {
      id: 'pruned 50% → sp-clustered 16/channel → int8 PTQ',
      pipeline: `${prune} | sparsityPreservingCluster(${cluster}, perChannel=true) | ptq(mode=int8)`,
    },
  ];
}

async function benchModel(model: BenchModel, engine: Engine): Promise<BenchSummary> {
  console.log(`\n== ${model.name}`);
  const context = { engine, data: model.data, seed: 0, teacher: model.baseline };
  const rows: Row[] = model.peers.map((p) => ({ ...p }));
  for (const [i, leaf] of leafPipelines(model.data.train.count).entries()) {
    const t0 = Date.now();
    try {
      const graph: Graph = await runPipelineCopy(model.baseline, leaf.pipeline, context);
      const file = path.join(dir, `${model.key}-leaf-${i}.tflite`);
      writeFileSync(file, writeTflite(graph, { logger: { warn: () => {} } }));
      const k = kernelFigures(graph);
      rows.push({
        id: `collabopt ${leaf.id}`,
        file,
        codes: [k.maxUniquePerKernel, k.maxUniquePerChannel],
      });
      console.log(`  built ${leaf.id} in ${((Date.now() - t0) / 1000).toFixed(1)} s`);
    } catch (e) {
      const error = e instanceof Error ? e.message : String(e);
      rows.push({ id: `collabopt ${leaf.id}`, error });
      console.log(`  ${leaf.id} failed after ${((Date.now() - t0) / 1000).toFixed(1)} s: ${error}`);
    }
  }

  // The budget searches: sensitivity once, reused by both budgets (its time is not theirs).
  const searches: BenchSummary['searches'] = [];
  const s0 = Date.now();
  const screenTest = model.screenSamples
    ? screeningSubset(model.data.test, model.screenSamples)
    : undefined;
  const sensitivity = await runSensitivity(model.baseline, {
    ...context,
    ...(screenTest ? { data: { ...model.data, test: screenTest } } : {}),
    probes: ['int8', 'int4'],
  });
  const sensitivitySeconds = (Date.now() - s0) / 1000;
  for (const budget of [0.5, 1.0]) {
    const t0 = Date.now();
    const result = await searchBudget(model.baseline, {
      ...context,
      budget,
      objective: 'zip',
      timeLimitSeconds: LIMIT,
      epochs: FINE_TUNE_EPOCHS,
      sensitivity,
      ...(model.screenSamples ? { screenSamples: model.screenSamples } : {}),
      logger: createConsoleLogger('warn', process.stdout),
      writer: async (g) => [
        { path: 'm.tflite', bytes: writeTflite(g, { logger: { warn: () => {} } }) },
      ],
    });
    searches.push({ budget, result, seconds: (Date.now() - t0) / 1000 });
    if (result.chosenFiles) {
      const file = path.join(dir, `${model.key}-budget-${budget}.tflite`);
      writeFileSync(file, result.chosenFiles[0]!.bytes);
      rows.push({
        id: `collabopt budget ${budget}: ${branchLabel(result.chosen!.branch)}, 4-bit ${result.chosen!.fourBitLayers.map(layer).join(',') || '-'}, float ${result.chosen!.floatLayers.map(layer).join(',') || '-'}`,
        file,
      });
    }
  }
  return { model, rows, searches, sensitivity, sensitivitySeconds };
}

function printSummary(s: BenchSummary, acc: Record<string, number>): string {
  const { model, rows, searches, sensitivity } = s;
  const floatAcc = acc[rows[0]!.file!]!;
  const int8 = rows.find((r) => r.id === 'collabopt int8 PTQ' && r.file);
  const int8Bytes = int8 ? readFileSync(int8.file!).length : NaN;
  console.log(
    `\n${model.name}: Fashion-MNIST test (10,000), TF 2.21 interpreter accuracy; Keras float ${pct(model.kerasAccuracy)}`,
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
        if (!r.file) return [r.id, `failed: ${r.error}`, '', '', '', '', '', ''];
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
    `\nsensitivity (int8 / int4 PTQ of one layer, drop in points; ${s.sensitivitySeconds.toFixed(0)} s, outside the searches' times and time limit):`,
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
  for (const x of searches) {
    const r = x.result;
    console.log(
      `\nbudget ${x.budget} points: ${r.candidates.length} candidates in ${x.seconds.toFixed(0)} s${r.stoppedByTime ? ` (time limit ${LIMIT} s hit)` : ''}${r.screenSamples !== undefined ? `, screened on ${r.screenSamples} test images, ${r.rechecks} re-measured on all ${model.data.test.count}` : ''}; Pareto front (engine int8 simulation):`,
    );
    console.log(
      formatTable(
        [
          '',
          'branch',
          '4-bit layers',
          'float layers',
          'subset accuracy (drop ± margin)',
          'full-set accuracy (drop)',
          'raw',
          'zip',
        ],
        r.pareto.map((c) => [
          c.id === r.chosen?.id ? '*' : '',
          branchLabel(c.branch),
          c.fourBitLayers.map(layer).join(',') || '-',
          c.floatLayers.map(layer).join(',') || '-',
          c.screen
            ? `${pct(c.screen.metric)} (${c.screen.drop.toFixed(2)} ± ${c.screen.margin.toFixed(2)})`
            : '-',
          c.full ? `${pct(c.full.metric)} (${c.full.drop.toFixed(2)})` : 'not measured',
          kib(c.bytes),
          kib(c.zipBytes),
        ]),
      ),
    );
  }
  const fig = (id: string): Row | undefined => rows.find((r) => r.id === id && r.file);
  const int4 = fig('collabopt int4 PTQ');
  const ours16 = fig('collabopt 16x8 PTQ');
  const conv16 = fig('TFLiteConverter 16x8');
  const b1 = searches.find((x) => x.budget === 1.0)!;
  const b1File = rows.find((r) => r.id.startsWith('collabopt budget 1:'))?.file;
  return `${model.key}: ${[
    int4
      ? `int4/int8 raw ${(readFileSync(int4.file!).length / int8Bytes).toFixed(2)}×, int4 Δacc ${((acc[int4.file!]! - floatAcc) * 100).toFixed(2)} pts`
      : 'int4 failed',
    ours16 && conv16
      ? `our 16x8 ${pct(acc[ours16.file!]!)} vs converter 16x8 ${pct(acc[conv16.file!]!)} (raw ${(readFileSync(ours16.file!).length / readFileSync(conv16.file!).length).toFixed(2)}×)`
      : '16x8 failed',
    `budget 1.0 → ${b1.result.chosen && b1File ? `${kib(b1.result.chosen.zipBytes)} zip, interpreter drop ${((floatAcc - acc[b1File]!) * 100).toFixed(2)} pts` : 'none'} in ${b1.seconds.toFixed(0)} s`,
  ].join('; ')}`;
}

async function main(): Promise<void> {
  const started = Date.now();
  registerAllPlugins();
  console.log(
    `bench:size${QUICK ? ' --quick' : ''} (${MODELS.join(', ')}); load average ${loadavg()
      .map((l) => l.toFixed(1))
      .join(' ')} on ${cpus().length} CPUs: sizes are exact, times are not`,
  );
  const engine = await getEngine();
  console.log(`engine backend ${engine.backend}`);
  const summaries: BenchSummary[] = [];
  if (MODELS.includes('reference'))
    summaries.push(await benchModel(await referenceCnnModel(), engine));
  if (MODELS.includes('mobilenet'))
    summaries.push(await benchModel(await mobilenetModel(), engine));
  const files = summaries.flatMap((s) => s.rows.flatMap((r) => (r.file ? [r.file] : [])));
  const acc = JSON.parse(python('fashion_mnist_accuracy.py', files)) as Record<string, number>;
  const keys = summaries.map((s) => printSummary(s, acc));
  console.log(
    `\nkey (${((Date.now() - started) / 1000).toFixed(0)} s wall, load average ${loadavg()
      .map((l) => l.toFixed(1))
      .join(' ')}): ${keys.join(' | ')}`,
  );
}

main().catch((e) => {
  console.error(e);
  process.exit(1);
});
