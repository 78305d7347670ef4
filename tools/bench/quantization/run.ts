/**
 * Quantization benchmark (issue 8): the reference CNN of DESIGN.md on Fashion-MNIST.
 *
 *   baseline float (3 epochs Adam 1e-3, batch 128, fixed seed)
 *   ├── PTQ int8 (minmax calibration on 500 training samples)
 *   └── QAT int8 (1 epoch fine-tuning)
 *
 * For each: accuracy of the float graph, of the fake-int8 simulation through the engine, and of the
 * exported int8 .tflite file run by TensorFlow's TFLite interpreter (Python oracle). The same float
 * weights are also quantized by TensorFlow 2.21's TFLiteConverter (full integer, same calibration
 * samples) as the peer.
 *
 * The float baseline is trained by our engine when it runs on tfjs-node (`tools/setup-tfjs-node`),
 * else by Keras in the oracle (same architecture, same initial weights, same recipe); force with
 * `--baseline engine|keras`. It is cached in the OS temp dir (`--retrain` trains again).
 *
 * Usage: npm run bench:quantization [-- --retrain] [--baseline keras|engine] [--seed N]
 *        [--backend wasm|cpu|tensorflow] [--qat-max-steps N] [--keep DIR]
 */
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, writeFileSync, mkdtempSync } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { tensor, type Graph } from '@collabopt/core';
import { createEngine, loadFashionMnist, referenceCnn, type Engine } from '@collabopt/engine';
import {
  formatErrorReport,
  quantizationAwareTraining,
  quantizePostTraining,
  simulateQuantized,
} from '@collabopt/quantization';

const REPO = path.resolve(__dirname, '../../..');
const args = process.argv.slice(2);
const flag = (name: string): boolean => args.includes(name);
const option = (name: string, dflt: string): string => {
  const i = args.indexOf(name);
  return i >= 0 && args[i + 1] !== undefined ? args[i + 1]! : dflt;
};
const SEED = Number(option('--seed', '1'));
const CALIBRATION_SAMPLES = 500;
const BASELINE = { epochs: 3, batchSize: 128, learningRate: 1e-3 };

function saveWeights(graph: Graph, file: string): void {
  const entries: {
    node: string;
    slot: string;
    shape: readonly number[];
    offset: number;
    length: number;
  }[] = [];
  const chunks: Float32Array[] = [];
  let offset = 0;
  for (const { node, slot, weight } of graph.weights()) {
    const d = weight.tensor.data as Float32Array;
    entries.push({ node: node.name, slot, shape: weight.tensor.shape, offset, length: d.length });
    chunks.push(d);
    offset += d.length;
  }
  const all = new Float32Array(offset);
  let o = 0;
  for (const c of chunks) {
    all.set(c, o);
    o += c.length;
  }
  writeFileSync(`${file}.json`, JSON.stringify(entries));
  writeFileSync(`${file}.bin`, Buffer.from(all.buffer));
}

function loadWeights(graph: Graph, file: string): void {
  const entries = JSON.parse(readFileSync(`${file}.json`, 'utf8')) as {
    node: string;
    slot: string;
    shape: number[];
    offset: number;
    length: number;
  }[];
  const buf = readFileSync(`${file}.bin`);
  const all = new Float32Array(buf.buffer.slice(buf.byteOffset, buf.byteOffset + buf.byteLength));
  for (const e of entries) {
    graph.node(e.node).weights[e.slot]!.tensor = tensor(
      'float32',
      e.shape,
      all.slice(e.offset, e.offset + e.length),
    );
  }
}

/** Keras description of the reference CNN with its float weights as raw float32 files. */
function writeKerasManifest(graph: Graph, dir: string): string {
  const layers: Record<string, unknown>[] = [];
  for (const node of graph.topologicalOrder()) {
    if (node.op === 'Input') continue;
    const spec: Record<string, unknown> = { op: node.op, name: node.name, ...node.attrs };
    spec['padding'] ??= 'valid';
    spec['activation'] ??= 'linear';
    const weights = Object.entries(node.weights).map(([slot, w]) => {
      const file = `${node.name}_${slot}.bin`;
      const d = w.tensor.data as Float32Array;
      writeFileSync(path.join(dir, file), Buffer.from(d.buffer, d.byteOffset, d.byteLength));
      return { file, shape: w.tensor.shape };
    });
    if (weights.length > 0) spec['weights'] = weights;
    layers.push(spec);
  }
  const manifest = path.join(dir, 'manifest.json');
  writeFileSync(manifest, JSON.stringify({ inputShape: graph.inputs[0]!.shape!.slice(1), layers }));
  return manifest;
}

function oraclePython(): string {
  return process.env['COLLABOPT_ORACLE_PYTHON'] ?? path.join(REPO, '.venv-oracle', 'bin', 'python');
}

function runOracle(argv: string[]): string {
  const r = spawnSync(oraclePython(), [path.join(__dirname, 'oracle.py'), ...argv], {
    encoding: 'utf8',
    maxBuffer: 64 * 1024 * 1024,
    env: { ...process.env, TF_CPP_MIN_LOG_LEVEL: '3', CUDA_VISIBLE_DEVICES: '' },
  });
  if (r.status !== 0) throw new Error(`oracle ${argv[0] ?? ''} failed:\n${r.stderr}`);
  return r.stdout;
}

/** Train the baseline with Keras from the graph's own initial weights; load the result into `graph`. */
function trainBaselineWithKeras(
  graph: Graph,
  dir: string,
): { seconds: number; tensorflow: string } {
  const manifest = writeKerasManifest(graph, dir);
  const out = JSON.parse(
    runOracle([
      'train',
      '--manifest',
      manifest,
      '--epochs',
      String(BASELINE.epochs),
      '--seed',
      String(SEED),
      '--out-dir',
      dir,
    ]),
  ) as {
    seconds: number;
    tensorflow: string;
  };
  for (const node of graph.nodes) {
    for (const [slot, w] of Object.entries(node.weights)) {
      const buf = readFileSync(path.join(dir, `${node.name}_${slot}.bin`));
      w.tensor = tensor(
        'float32',
        w.tensor.shape,
        new Float32Array(buf.buffer.slice(buf.byteOffset, buf.byteOffset + buf.byteLength)),
      );
    }
  }
  return out;
}

async function exportTflite(graph: Graph, file: string): Promise<string | undefined> {
  const mod = (await import('@collabopt/format-tflite')) as {
    writeTflite?: (g: Graph) => Uint8Array;
  };
  if (typeof mod.writeTflite !== 'function') return undefined;
  writeFileSync(file, mod.writeTflite(graph));
  return file;
}

function pct(x: number | undefined): string {
  return x === undefined ? '—' : (100 * x).toFixed(2);
}

async function main(): Promise<void> {
  const t0 = Date.now();
  const backendArg = option('--backend', '');
  const engine: Engine = await createEngine(
    backendArg ? { backend: backendArg as 'wasm' | 'cpu' | 'tensorflow' } : {},
  );
  const { train, test } = loadFashionMnist();
  const work =
    option('--keep', '') || mkdtempSync(path.join(os.tmpdir(), 'collabopt-bench-quant-'));
  mkdirSync(work, { recursive: true });
  console.log(`backend ${engine.backend}; work dir ${work}`);

  // Baseline (cached across runs in the OS temp dir; --retrain forces training).
  const cacheDir = path.join(os.tmpdir(), 'collabopt-bench-cache');
  mkdirSync(cacheDir, { recursive: true });
  // Train with our engine when it runs on TensorFlow's kernels (tfjs-node, tools/setup-tfjs-node);
  // on wasm/cpu three epochs take too long on these shared machines, so Keras trains the same graph.
  const trainer = option('--baseline', engine.backend === 'tensorflow' ? 'engine' : 'keras');
  const cache = path.join(
    cacheDir,
    `reference-cnn-fashion-${trainer}-seed${SEED}-e${BASELINE.epochs}`,
  );
  const baseline = referenceCnn(SEED);
  if (!flag('--retrain') && existsSync(`${cache}.bin`)) {
    loadWeights(baseline, cache);
    console.log(
      `baseline: ${trainer}-trained weights loaded from cache (--retrain to train again)`,
    );
  } else if (trainer === 'keras') {
    const dir = path.join(work, 'baseline');
    mkdirSync(dir, { recursive: true });
    const r = trainBaselineWithKeras(baseline, dir);
    saveWeights(baseline, cache);
    console.log(
      `baseline: trained by Keras (TF ${r.tensorflow}) from our initial weights, ${BASELINE.epochs} epochs in ${r.seconds.toFixed(0)} s`,
    );
  } else {
    const t = Date.now();
    await engine.fit(baseline, train, { ...BASELINE, optimizer: 'adam', seed: SEED });
    saveWeights(baseline, cache);
    console.log(
      `baseline: trained by the engine (${engine.backend}), ${BASELINE.epochs} epochs in ${((Date.now() - t) / 1000).toFixed(0)} s`,
    );
  }
  const floatAcc = (await engine.evaluate(baseline, test)).accuracy;

  // PTQ int8
  const ptq = baseline.clone();
  let t = Date.now();
  const ptqResult = await quantizePostTraining(ptq, {
    mode: 'int8',
    engine,
    data: train,
    samples: CALIBRATION_SAMPLES,
    reportSamples: 500,
  });
  const ptqSeconds = (Date.now() - t) / 1000;
  const ptqFake = (await simulateQuantized(engine, ptq, test)).accuracy;
  console.log('\nPTQ int8 quantization error (SQNR, 500 training samples):');
  console.log(formatErrorReport(ptqResult.report));

  // QAT int8, 1 epoch from the baseline
  const qatMaxSteps = option('--qat-max-steps', '');
  let qat: Graph | undefined = baseline.clone();
  let qatFloatWeights: number | undefined;
  let qatFake: number | undefined;
  let qatError: string | undefined;
  t = Date.now();
  try {
    await quantizationAwareTraining(qat, engine, train, {
      epochs: 1,
      seed: SEED,
      ...(qatMaxSteps ? { maxSteps: Number(qatMaxSteps) } : {}),
    });
    qatFloatWeights = (await engine.evaluate(qat, test)).accuracy;
    qatFake = (await simulateQuantized(engine, qat, test)).accuracy;
  } catch (e) {
    qatError = e instanceof Error ? e.message.split('\n')[0] : String(e);
    qat = undefined;
  }
  const qatSeconds = (Date.now() - t) / 1000;

  // Export and run in the TFLite interpreter; the converter's PTQ as the peer.
  const ptqFile = await exportTflite(ptq, path.join(work, 'ptq-int8.tflite'));
  const qatFile = qat ? await exportTflite(qat, path.join(work, 'qat-int8.tflite')) : undefined;
  const manifest = writeKerasManifest(baseline, work);
  const python = oraclePython();
  const files = [ptqFile, qatFile].filter((f): f is string => f !== undefined);
  type OracleOut = {
    tensorflow: string;
    kerasFloatAccuracy: number;
    converter: { bytes: number; accuracy: number };
    files: Record<string, { bytes: number; accuracy: number }>;
  };
  let oracle: OracleOut | undefined;
  if (existsSync(python)) {
    oracle = JSON.parse(
      runOracle([
        'evaluate',
        '--manifest',
        manifest,
        '--calibration-samples',
        String(CALIBRATION_SAMPLES),
        '--converter-out',
        path.join(work, 'converter-int8.tflite'),
        '--tflite',
        ...files,
      ]),
    ) as OracleOut;
  } else {
    console.log(
      `\nPython oracle not found at ${python}: run tools/setup-oracle; TFLite columns left empty`,
    );
  }
  const real = (f: string | undefined) => (f && oracle ? oracle.files[f] : undefined);

  console.log('\nReference CNN on Fashion-MNIST test set (10000 images), accuracy %');
  console.log('variant                          float    fake-int8   TFLite int8      bytes');
  const row = (
    name: string,
    f: number | undefined,
    fake: number | undefined,
    tfl: number | undefined,
    bytes: number | undefined,
  ) =>
    console.log(
      `${name.padEnd(32)} ${pct(f).padStart(6)} ${pct(fake).padStart(11)} ${pct(tfl).padStart(13)} ${(bytes === undefined ? '—' : String(bytes)).padStart(10)}`,
    );
  row('baseline float (ours)', floatAcc, undefined, undefined, undefined);
  row(
    'baseline float (Keras, same w.)',
    oracle?.kerasFloatAccuracy,
    undefined,
    undefined,
    undefined,
  );
  row('PTQ int8 (ours)', floatAcc, ptqFake, real(ptqFile)?.accuracy, real(ptqFile)?.bytes);
  row(
    'QAT int8 1 epoch (ours)',
    qatFloatWeights,
    qatFake,
    real(qatFile)?.accuracy,
    real(qatFile)?.bytes,
  );
  row(
    `TFLiteConverter PTQ (TF ${oracle?.tensorflow ?? '?'})`,
    floatAcc,
    undefined,
    oracle?.converter.accuracy,
    oracle?.converter.bytes,
  );
  if (qatError) console.log(`\nQAT did not run: ${qatError}`);
  if (!ptqFile)
    console.log(
      '\nMISSING: @collabopt/format-tflite has no writeTflite on this branch; TFLite int8 columns of our models left empty',
    );
  console.log(
    `\ntimes: PTQ ${ptqSeconds.toFixed(1)} s, QAT ${qatSeconds.toFixed(1)} s, total ${((Date.now() - t0) / 1000).toFixed(0)} s`,
  );

  const ptqReal = real(ptqFile)?.accuracy;
  const qatReal = real(qatFile)?.accuracy;
  const conv = oracle?.converter;
  const d = (x: number | undefined) =>
    x === undefined ? 'n/a' : `${(100 * (x - floatAcc)).toFixed(2)}`;
  console.log(
    `\nKEY quantization: float=${pct(floatAcc)} ptq_fake=${pct(ptqFake)} ptq_tflite=${pct(ptqReal)} (Δ${d(ptqReal ?? ptqFake)}) ` +
      `qat_fake=${pct(qatFake)} qat_tflite=${pct(qatReal)} (Δ${d(qatReal ?? qatFake)}) converter_tflite=${pct(conv?.accuracy)} ` +
      `ptq_vs_converter=${ptqReal !== undefined && conv ? (100 * (ptqReal - conv.accuracy)).toFixed(2) : 'n/a'} ` +
      `bytes_ours/converter=${real(ptqFile) && conv ? (real(ptqFile)!.bytes / conv.bytes).toFixed(3) : 'n/a'}`,
  );
}

main().catch((e: unknown) => {
  console.error(e);
  process.exit(1);
});
