/**
 * Models benchmark (issue #13): collabopt on the models, every figure from the written
 * int8 TFLite files run by TensorFlow's TFLite interpreter (the Python oracle), the peer measured
 * in the same run where a Keras model exists (TFLiteConverter full-integer PTQ of the same model).
 *
 * - reference CNN (DESIGN.md) trained by the engine on Fashion-MNIST, whole tree (`collabopt tree`);
 * - MobileNet-v1-style (depthwise-separable blocks, BatchNorm, ReLU6) trained by Keras on
 *   Fashion-MNIST, read as a Layers model.json, whole tree, and TFLiteConverter's int8 file;
 * - nsfwjs MobileNetV2: `sparsityPreservingCluster | pcqat` distilled on unlabelled photo crops
 *   (`tools/setup-system` unpacks the photographs), top-1 agreement with the float model on crops
 *   of other photographs; PTQ of the same model in the same run;
 * - MediaPipe face detector: `prune | pqat` distilled on unlabelled generated images, SQNR per
 *   output against the float file; PTQ in the same run.
 *
 * Wall time is each leaf's (or pipeline's) own time on this shared machine; the CPU and its load
 * are printed. Usage: npm run bench:models [-- --quick] [--models=reference,mobilenet,nsfwjs,face]
 */
import { mkdtempSync, promises as fs, readFileSync } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { PassThrough } from 'node:stream';
import { PassManager, deflatedSize, silentLogger, type Graph } from '@collabopt/core';
import { registerAllPlugins, treeCommand, type CliIo } from '@collabopt/cli';
import {
  createEngine,
  loadFashionMnist,
  openDataSet,
  readBatches,
  type Dataset,
  type DataSource,
  type Engine,
} from '@collabopt/engine';
import { readKerasModel } from '@collabopt/format-keras';
import { readTflite, tfliteFormat, writeTflite } from '@collabopt/format-tflite';
import { legalize, type TreeReport } from '@collabopt/preserve';
import { trainKerasMobilenet, writeMnistIdx } from '../../../e2e/helpers/keras-mobilenet';
import { REPO_ROOT } from '../../../e2e/helpers/oracle';
import { outputsOf, runTfInterpreter, type SampleInput } from '../../../e2e/format-tflite/runtimes';
import { loadNsfwjsModel } from '../../../e2e/format-keras/tfjs-helpers';
import { sqnrDb, top1Agreement } from '../../../e2e/distillation/agreement';
import { writePhotoCrops } from '../../../e2e/distillation/photo-crops';
import { writeFaceImages } from '../../../e2e/distillation/synthetic-images';
import { arg } from '../args';
import { describeCpu } from '../engine/cpu-info';

const QUICK = arg('quick') !== undefined;
const MODELS = arg('models', 'reference,mobilenet,nsfwjs,face').split(',');
/** The pipeline for nsfwjs (the same as e2e/distillation/nsfwjs). */
const NSFWJS_PIPELINE =
  'sparsityPreservingCluster(clusters=32, perChannel=true, kmeansIterations=10, epochs=1, batchSize=8, learningRate=0.00001) | pcqat(epochs=1, batchSize=8, learningRate=0.00001, rangeInit=firstBatch)';
const TMP = mkdtempSync(path.join(os.tmpdir(), 'collabopt-bench-models-'));

interface Row {
  model: string;
  leaf: string;
  /** e.g. "accuracy 84.3%", "agreement 97.0%", "SQNR 11.0 / 4.6 dB". */
  quality: string;
  deflatedBytes: number;
  seconds: number;
}
const rows: Row[] = [];

function quietIo(): CliIo {
  const sink = new PassThrough();
  sink.resume();
  return {
    stdout: sink as unknown as NodeJS.WriteStream,
    stderr: sink as unknown as NodeJS.WriteStream,
    signal: new AbortController().signal,
  };
}

/** Top-1 accuracy of TFLite files on the first `n` Fashion-MNIST test images, in TF's interpreter. */
function tfliteAccuracies(files: Uint8Array[], test: Dataset, n: number): number[] {
  const samples = Array.from({ length: n }, (_, i) => [
    { data: test.x.subarray(i * 784, (i + 1) * 784), shape: [1, 28, 28, 1] },
  ]);
  return runTfInterpreter(files.map((model) => ({ model, samples }))).map((r, j) => {
    if (r.error !== undefined) throw new Error(`file ${j}: ${r.error}`);
    let correct = 0;
    r.samples.forEach((outs, i) => {
      const p = outs[0]!.data;
      if (p.indexOf(Math.max(...p)) === test.y[i]) correct++;
    });
    return correct / n;
  });
}

const pct = (v: number): string => `${(v * 100).toFixed(1)}%`;

async function treeRows(
  model: string,
  input: string | undefined,
  data: string,
  test: Dataset,
  testCount: number,
  extra: Record<string, unknown>,
): Promise<void> {
  const out = path.join(TMP, `${model}-tree`);
  const started = Date.now();
  const report: TreeReport = await treeCommand(
    input,
    { seed: 0, epochs: 1, output: out, data, pruneEpochs: 1, ...extra },
    quietIo(),
  );
  const seconds = (Date.now() - started) / 1000;
  const ok = report.leaves.filter((l) => l.status === 'ok');
  const files = await Promise.all(
    ok.map(async (l) => new Uint8Array(await fs.readFile(path.join(out, l.files[0]!.path)))),
  );
  const accuracies = tfliteAccuracies(files, test, testCount);
  if (report.baseline)
    rows.push({
      model,
      leaf: 'float baseline (engine); wall s: the whole tree',
      quality: `accuracy ${pct(report.baseline.value)}`,
      deflatedBytes: NaN,
      seconds,
    });
  for (const l of report.leaves) {
    const j = ok.indexOf(l);
    rows.push({
      model,
      leaf: l.id,
      quality: j >= 0 ? `accuracy ${pct(accuracies[j]!)}` : `${l.status}: ${l.error?.code}`,
      deflatedBytes: l.deflatedBytes ?? NaN,
      seconds: l.seconds,
    });
  }
}

async function referenceCnnRows(): Promise<void> {
  const fashion = loadFashionMnist();
  const train = QUICK ? 4000 : 60000;
  const test = QUICK ? 1000 : 10000;
  const data = path.join(TMP, 'reference-data');
  await fs.mkdir(data);
  writeMnistIdx(data, 'train', fashion.train, train);
  writeMnistIdx(data, 't10k', fashion.test, test);
  await treeRows(`reference CNN (${train} train)`, undefined, data, fashion.test, test, {
    epochs: QUICK ? 1 : 3,
  });
}

async function mobilenetRows(): Promise<void> {
  const fashion = loadFashionMnist();
  const train = QUICK ? 3000 : 20000;
  const test = QUICK ? 1000 : 10000;
  const data = path.join(TMP, 'mobilenet-data');
  const model = path.join(TMP, 'mobilenet-model');
  const started = Date.now();
  const keras = trainKerasMobilenet({
    fashion,
    train,
    test,
    epochs: QUICK ? 2 : 4,
    dataDir: data,
    modelDir: model,
  });
  const kerasSeconds = (Date.now() - started) / 1000;
  const name = `MobileNet-v1-style, Keras-trained (${train} train)`;
  const converter = new Uint8Array(readFileSync(path.join(model, 'keras_ptq.tflite')));
  const [converterAccuracy] = tfliteAccuracies([converter], fashion.test, test);
  rows.push({
    model: name,
    leaf: 'Keras float',
    quality: `accuracy ${pct(keras.kerasTestAccuracy)}`,
    deflatedBytes: NaN,
    seconds: kerasSeconds,
  });
  rows.push({
    model: name,
    leaf: 'TFLiteConverter int8 PTQ (peer)',
    quality: `accuracy ${pct(converterAccuracy!)}`,
    deflatedBytes: deflatedSize(converter),
    seconds: NaN,
  });
  await treeRows(name, path.join(model, 'model.json'), data, fashion.test, test, {
    clusterEpochs: 1,
    qatEpochs: 1,
  });
}

async function samplesOf(source: DataSource): Promise<SampleInput[][]> {
  const out: SampleInput[][] = [];
  for await (const b of readBatches(source, 8)) {
    const per = b.x.length / b.size;
    for (let i = 0; i < b.size; i++)
      out.push([{ data: b.x.subarray(i * per, (i + 1) * per), shape: [1, ...source.sampleShape] }]);
  }
  return out;
}

/**
 * Outputs of each TFLite file on `samples` ([file][sample][output] values): 30 samples of every
 * file per interpreter call (inputs travel as JSON; each call pays TensorFlow's start-up).
 */
function interpreterOutputs(models: Uint8Array[], samples: SampleInput[][]): number[][][][] {
  const out: number[][][][] = models.map(() => []);
  for (let i = 0; i < samples.length; i += 30) {
    const chunk = samples.slice(i, i + 30);
    const runs = runTfInterpreter(models.map((model) => ({ model, samples: chunk })));
    runs.forEach((run, k) =>
      out[k]!.push(...outputsOf(run, `file ${k}`).map((s) => s.map((t) => t.data))),
    );
  }
  return out;
}

async function timed(
  engine: Engine,
  graph: Graph,
  pipeline: string,
  data: Record<string, DataSource>,
): Promise<{ file: Uint8Array; seconds: number }> {
  const started = Date.now();
  const result = await new PassManager({ engine, data, logger: silentLogger, seed: 1 })
    .addPipeline(pipeline)
    .run(graph.clone());
  return { file: writeTflite(result.graph), seconds: (Date.now() - started) / 1000 };
}

async function nsfwjsRows(): Promise<void> {
  const calibration = QUICK ? 16 : 64;
  const heldOut = QUICK ? 50 : 200;
  const trainDir = path.join(TMP, 'nsfwjs-train');
  const heldDir = path.join(TMP, 'nsfwjs-held-out');
  await writePhotoCrops({
    calibrationDir: trainDir,
    heldOutDir: heldDir,
    calibration,
    heldOut,
    size: 224,
    seed: 13,
  });
  const { modelJson, shards } = loadNsfwjsModel();
  const graph = await readKerasModel(modelJson, async (p) => shards[p]!);
  legalize(graph, { format: tfliteFormat, quantized: true });
  const options = { inputShape: graph.inputs[0]!.shape!, labels: 'none' as const };
  const train = await openDataSet(trainDir, options);
  const held = await samplesOf(await openDataSet(heldDir, options));
  const engine = await createEngine({ logger: silentLogger });
  const floatFile = writeTflite(graph);
  const name = `nsfwjs MobileNetV2 (${calibration} photo crops, ${heldOut} held-out)`;
  const leaves: { leaf: string; file: Uint8Array; seconds: number }[] = [];
  for (const [leaf, pipeline] of [
    ['PTQ int8', `ptq(mode=int8, samples=${calibration}, batchSize=8)`],
    ['sparsityPreservingCluster | pcqat', NSFWJS_PIPELINE],
  ] as const)
    leaves.push({ leaf, ...(await timed(engine, graph, pipeline, { train, calibration: train })) });
  const [reference, ...outputs] = interpreterOutputs(
    [floatFile, ...leaves.map((l) => l.file)],
    held,
  ).map((perSample) => perSample.flatMap((s) => s[0]!));
  rows.push({
    model: name,
    leaf: 'float',
    quality: 'reference',
    deflatedBytes: deflatedSize(floatFile),
    seconds: NaN,
  });
  leaves.forEach((l, k) =>
    rows.push({
      model: name,
      leaf: l.leaf,
      quality: `top-1 agreement ${pct(top1Agreement(reference!, outputs[k]!, 5))}`,
      deflatedBytes: deflatedSize(l.file),
      seconds: l.seconds,
    }),
  );
}

async function faceRows(): Promise<void> {
  const file = path.join(
    REPO_ROOT,
    'node_modules',
    '@mediapipe',
    'face_detection',
    'face_detection_short_range.tflite',
  );
  const floatBytes = new Uint8Array(readFileSync(file));
  const float = readTflite(floatBytes, { file, keepQuant: false });
  const trainDir = await writeFaceImages(path.join(TMP, 'face-train'), QUICK ? 32 : 128, 160, 1);
  const heldDir = await writeFaceImages(path.join(TMP, 'face-held-out'), QUICK ? 8 : 32, 160, 2);
  const options = {
    inputShape: float.inputs[0]!.shape!,
    preprocess: { scale: 2 / 255, offset: -1 },
    labels: 'none' as const,
  };
  const train = await openDataSet(trainDir, options);
  const held = await samplesOf(await openDataSet(heldDir, options));
  const engine = await createEngine({ logger: silentLogger });
  const name = 'MediaPipe face detector (unlabelled generated faces)';
  const leaves: { leaf: string; file: Uint8Array; seconds: number }[] = [];
  for (const [leaf, pipeline] of [
    ['PTQ int8', 'ptq(mode=int8, samples=32, batchSize=16)'],
    [
      'prune | pqat',
      'prune(sparsity=0.3, frequency=1, epochs=2, batchSize=16, learningRate=0.001) | pqat(epochs=1, batchSize=16, learningRate=0.00001, rangeInit=firstBatch)',
    ],
  ] as const)
    leaves.push({ leaf, ...(await timed(engine, float, pipeline, { train, calibration: train })) });
  const [reference, ...outputs] = interpreterOutputs(
    [floatBytes, ...leaves.map((l) => l.file)],
    held,
  );
  const sqnrs = (run: number[][][]): string =>
    float.outputs
      .map((_, k) =>
        sqnrDb(
          reference!.flatMap((s) => s[k]!),
          run.flatMap((s) => s[k]!),
        ).toFixed(1),
      )
      .join(' / ');
  rows.push({
    model: name,
    leaf: 'float',
    quality: `outputs ${float.outputs.map((v) => v.name).join(' / ')}`,
    deflatedBytes: deflatedSize(floatBytes),
    seconds: NaN,
  });
  leaves.forEach((l, k) =>
    rows.push({
      model: name,
      leaf: l.leaf,
      quality: `SQNR ${sqnrs(outputs[k]!)} dB`,
      deflatedBytes: deflatedSize(l.file),
      seconds: l.seconds,
    }),
  );
}

async function main(): Promise<void> {
  registerAllPlugins();
  const cpu = describeCpu();
  const started = Date.now();
  const runs: Record<string, () => Promise<void>> = {
    reference: referenceCnnRows,
    mobilenet: mobilenetRows,
    nsfwjs: nsfwjsRows,
    face: faceRows,
  };
  for (const m of MODELS) {
    const run = runs[m];
    if (!run) throw new Error(`unknown model "${m}" (known: ${Object.keys(runs).join(', ')})`);
    const t = Date.now();
    await run();
    process.stderr.write(`${m}: ${((Date.now() - t) / 1000).toFixed(0)} s\n`);
  }
  const n = (v: number, digits = 0): string =>
    Number.isFinite(v) ? v.toLocaleString('en-US', { maximumFractionDigits: digits }) : '–';
  const lines = [
    `CPU: ${cpu}${QUICK ? '; --quick' : ''}`,
    '',
    '| model | leaf | quality (TFLite interpreter) | deflated bytes | wall s |',
    '|---|---|---|---|---|',
    ...rows.map(
      (r) =>
        `| ${r.model} | ${r.leaf.replace(/\|/g, '\\|')} | ${r.quality} | ${n(r.deflatedBytes)} | ${n(r.seconds, 1)} |`,
    ),
  ];
  process.stdout.write(`${lines.join('\n')}\n\n`);
  process.stdout.write(
    `bench:models ${MODELS.join(',')}${QUICK ? ' --quick' : ''}: ${rows.length} rows in ${((Date.now() - started) / 1000).toFixed(0)} s (load at the end ${os.loadavg()[0]!.toFixed(1)})\n`,
  );
}

main().catch((e: unknown) => {
  process.stderr.write(`${e instanceof Error ? (e.stack ?? e.message) : String(e)}\n`);
  process.exit(1);
});
