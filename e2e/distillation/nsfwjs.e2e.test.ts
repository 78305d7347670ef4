/**
 * A user's classifier and unlabelled photographs: the nsfwjs MobileNetV2 (TF.js Layers, 224×224×3,
 * five classes) goes through `sparsityPreservingCluster | pcqat` trained by distillation from the
 * float model on a folder of real photo crops (Debian's wallpapers and scikit-image's sample
 * pictures, unpacked by `tools/setup-system`; crops, scales and flips cut at run time by
 * `photo-crops.ts`), and its int8 TFLite file, run in TensorFlow's interpreter, agrees with the float
 * model's TFLite file on 200 held-out crops of *other* photographs (top-1).
 *
 * Next to it, in the same run: our PTQ int8 file of the float model and TFLiteConverter's
 * full-integer PTQ of the same Layers model (rebuilt in Keras 3 by keras_layers_converter.py), both
 * calibrated on the same crops. The held-out crops come from their own seeded stream, independent of
 * NSFWJS_CALIBRATION.
 *
 * Measured (loaded 2-core machine, load 11–16, wasm backend), 64 calibration crops, 200 held-out:
 * top-1 agreement 95.0 % (our PTQ 94.5 %, TFLiteConverter PTQ 94.5 %); fine-tuning 446 s, whole
 * test 1,408 s. The float model says "neutral" for 174 of the 200 crops.
 *
 * History: before ptq/qat fused a separate ReLU6 into the convolution before it, the same pipeline
 * reached 93.0 % and our PTQ only 82.5 % (on the earlier held-out crops): Keras' `Conv → BatchNorm → ReLU6` layers left every
 * convolution's int8 output on its unclamped range (e.g. [−77, 100]) and the ReLU6 output a few
 * int8 steps. (PTQ-only, 32 crops, 100 held-out: ours 88 % → 94 %, TFLiteConverter 95 %.)
 */
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { PassManager, silentLogger, type Graph } from '@collabopt/core';
import { createEngine, openDataSet, readBatches, type DataSource } from '@collabopt/engine';
import { readKerasModel } from '@collabopt/format-keras';
import { tfliteFormat, writeTflite } from '@collabopt/format-tflite';
import { registerClusteringPasses } from '@collabopt/clustering';
import { registerQuantizationPasses } from '@collabopt/quantization';
import { legalize, registerPreservePasses } from '@collabopt/preserve';
import { interpreterSamples } from '../helpers/interpreter-outputs';
import { outputsOf, runTfInterpreter, type SampleInput } from '../format-tflite/runtimes';
import { loadNsfwjsModel } from '../format-keras/tfjs-helpers';
import { npy } from '../format-onnx/helpers';
import { runPython } from '../helpers/oracle';
import { top1Agreement } from './agreement';
import { writePhotoCrops } from './photo-crops';

const PIPELINE =
  process.env['NSFWJS_PIPELINE'] ??
  'sparsityPreservingCluster(clusters=32, perChannel=true, kmeansIterations=10, epochs=1, batchSize=8, learningRate=0.00001) | pcqat(epochs=1, batchSize=8, learningRate=0.00001, rangeInit=firstBatch)';
const CALIBRATION = Number(process.env['NSFWJS_CALIBRATION'] ?? 64);
/** The bar; measured 95.0 % (190 of 200) with 64 calibration crops on wasm (see above). */
const AGREEMENT_FLOOR = 0.95;
const HELD_OUT = Number(process.env['NSFWJS_HELD_OUT'] ?? 200);

let float: Graph;
let floatFile: Uint8Array;
let int8File: Uint8Array;
let ptqFile: Uint8Array;
let converterFile: Uint8Array;
let held: SampleInput[][];
let seconds = 0;

beforeAll(async () => {
  registerClusteringPasses();
  registerQuantizationPasses();
  registerPreservePasses();
  const tmp = mkdtempSync(path.join(os.tmpdir(), 'collabopt-nsfwjs-'));
  const trainDir = path.join(tmp, 'train');
  const heldDir = path.join(tmp, 'held-out');
  await writePhotoCrops({
    calibrationDir: trainDir,
    heldOutDir: heldDir,
    calibration: CALIBRATION,
    heldOut: HELD_OUT,
    size: 224,
    seed: 13,
  });
  const { modelJson, shards } = loadNsfwjsModel();
  const graph = await readKerasModel(modelJson, async (p) => {
    const s = shards[p];
    if (s === undefined) throw new Error(`no shard ${p}`);
    return s;
  });
  // An int8 TFLite file: BatchNorms folded, the softmax split out of the Dense head.
  const { problems } = legalize(graph, { format: tfliteFormat, quantized: true });
  expect(problems).toEqual([]);
  float = graph.clone();
  floatFile = writeTflite(float);
  const options = { inputShape: graph.inputs[0]!.shape!, labels: 'none' as const };
  const train = await openDataSet(trainDir, options);
  held = await interpreterSamples(await openDataSet(heldDir, options));

  const engine = await createEngine({ logger: silentLogger });
  const started = Date.now();
  const result = await new PassManager({
    engine,
    data: { train, calibration: train },
    logger: silentLogger,
    seed: 1,
  })
    .addPipeline(PIPELINE)
    .run(graph);
  seconds = (Date.now() - started) / 1000;
  expect(result.graph.metadata['quantization']).toEqual({ mode: 'int8' });
  int8File = writeTflite(result.graph);
  // The peer in the same run: PTQ int8 of the float model, calibrated on the same images.
  const ptq = await new PassManager({ engine, data: { calibration: train }, logger: silentLogger })
    .addPipeline(`ptq(mode=int8, samples=${CALIBRATION}, batchSize=8)`)
    .run(float.clone());
  ptqFile = writeTflite(ptq.graph);
  converterFile = await converterPtq(tmp, modelJson, shards, train);
}, 3_600_000);

/** All samples of `source` as one float32 array of shape [n, …sampleShape]. */
async function allSamples(source: DataSource): Promise<{ data: Float32Array; dims: number[] }> {
  const parts: Float32Array[] = [];
  for await (const b of readBatches(source, 8)) parts.push(b.x.slice());
  const data = new Float32Array(parts.reduce((n, p) => n + p.length, 0));
  parts.reduce((offset, p) => (data.set(p, offset), offset + p.length), 0);
  const per = source.sampleShape.reduce((a, b) => a * b, 1);
  return { data, dims: [data.length / per, ...source.sampleShape] };
}

/**
 * The peer: TFLiteConverter's full-integer PTQ of the same Layers model (rebuilt in Keras 3 by
 * keras_layers_converter.py), calibrated on the same crops.
 */
async function converterPtq(
  dir: string,
  modelJson: Record<string, unknown>,
  shards: Record<string, Uint8Array>,
  calibration: DataSource,
): Promise<Uint8Array> {
  const modelPath = path.join(dir, 'model.json');
  writeFileSync(modelPath, JSON.stringify(modelJson));
  for (const [name, bytes] of Object.entries(shards)) writeFileSync(path.join(dir, name), bytes);
  const { data, dims } = await allSamples(calibration);
  const calibrationPath = npy('nsfwjs-calibration.npy', data, dims);
  runPython(path.join(__dirname, 'keras_layers_converter.py'), [modelPath, calibrationPath, dir], {
    timeoutMs: 1_800_000,
  });
  return new Uint8Array(readFileSync(path.join(dir, 'keras_ptq.tflite')));
}

describe('nsfwjs MobileNetV2: sparsityPreservingCluster | pcqat by distillation on unlabelled images', () => {
  it('its int8 TFLite file agrees with the float model (top-1) on held-out photographs at the measured floor', () => {
    // 224×224×3 inputs travel to the interpreter as JSON: 25 images (all four files) per call.
    const reference: number[] = [];
    const quantized: number[] = [];
    const ptqQuantized: number[] = [];
    const converterQuantized: number[] = [];
    for (let i = 0; i < held.length; i += 25) {
      const samples = held.slice(i, i + 25);
      const runs = runTfInterpreter(
        [floatFile, int8File, ptqFile, converterFile].map((model) => ({ model, samples })),
      );
      for (const [k, into] of [reference, quantized, ptqQuantized, converterQuantized].entries())
        into.push(...outputsOf(runs[k], `file ${k}`).flatMap((s) => s[0]!.data));
    }
    const classes = reference.length / held.length;
    const agreement = top1Agreement(reference, quantized, classes);
    const ptqAgreement = top1Agreement(reference, ptqQuantized, classes);
    const converterAgreement = top1Agreement(reference, converterQuantized, classes);
    const floatClasses = new Array<number>(classes).fill(0);
    for (let r = 0; r < held.length; r++) {
      const row = reference.slice(r * classes, (r + 1) * classes);
      floatClasses[row.indexOf(Math.max(...row))]! += 1;
    }
    // eslint-disable-next-line no-console
    console.log(
      `nsfwjs ${PIPELINE}: ${seconds.toFixed(0)} s; int8 file vs float file (TFLite interpreter, ${held.length} held-out images): top-1 agreement ${(agreement * 100).toFixed(1)}% (our PTQ ${(ptqAgreement * 100).toFixed(1)}%, TFLiteConverter PTQ ${(converterAgreement * 100).toFixed(1)}%); ${int8File.length} bytes (float ${floatFile.length}, PTQ ${ptqFile.length}, converter ${converterFile.length}); float top-1 per class ${floatClasses.join('/')}`,
    );
    expect(agreement).toBeGreaterThanOrEqual(AGREEMENT_FLOOR);
  }, 1_200_000);
});
