/** @jest-environment ./format-onnx/ort-environment.js */
/**
 * int4 QDQ ONNX files in (issues #17, #13 item 5): collabopt's own INT4 output and ONNX Runtime's
 * quantizer output with 4-bit weights (QuantType.QInt4) import into the float IR with 4-bit
 * weight annotations (`bits = 4`). Re-exported, they reproduce the int4 file: ONNX again (INT4
 * initializers; ONNX Runtime agrees with the original) and TFLite INT4 run by TF's interpreter
 * within 1 LSB of ONNX Runtime on the original file.
 */
import * as path from 'node:path';
import { readFileSync } from 'node:fs';
import type { Graph } from '@collabopt/core';
import { createDataset, createEngine, type Engine } from '@collabopt/engine';
import { readOnnx, writeOnnx } from '@collabopt/format-onnx';
import { readTflite, writeTflite } from '@collabopt/format-tflite';
import { quantizePostTraining } from '@collabopt/quantization';
import { runPython } from '../helpers/oracle';
import { outputsOf, runTfInterpreter } from '../format-tflite/runtimes';
import { referenceCnnGraph } from './graphs';
import { maxAbsError, npy, ortRun, randomArr, saveModel, toNchw, TMP, type Arr } from './helpers';

interface Int4Info {
  opset: number;
  int4: Record<string, number[]>;
}

let engine: Engine;
beforeAll(async () => {
  engine = await createEngine({ backend: 'cpu' });
});

const shape = [28, 28, 1];
const x = randomArr([8, ...shape], 6);

function int4Info(file: string): Int4Info {
  const out = runPython(path.join(__dirname, 'int4_initializers.py'), [file]).stdout;
  return JSON.parse(out.slice(out.indexOf('{'))) as Int4Info;
}

/** Run a batch-1 TFLite file sample by sample in TF's interpreter; outputs concatenated. */
function tfliteRun(bytes: Uint8Array, input: Arr): Float32Array {
  const per = input.data.length / input.dims[0]!;
  const samples = Array.from({ length: input.dims[0]! }, (_, b) => [
    { data: input.data.subarray(b * per, (b + 1) * per), shape: [1, ...input.dims.slice(1)] },
  ]);
  const [r] = runTfInterpreter([{ model: bytes, samples }]);
  return Float32Array.from(outputsOf(r, 'tflite').flatMap((s) => s[0]!.data));
}

async function ort(bytes: Uint8Array, g: Graph): Promise<Float32Array> {
  return Object.values(await ortRun(bytes, { [g.inputs[0]!.name]: toNchw(x) }))[0]!.data;
}

/** The kernels of the graph with their annotation's bit width. */
function kernelBits(g: Graph): Record<string, number | undefined> {
  const out: Record<string, number | undefined> = {};
  for (const n of g.nodes) {
    const k = n.weights['kernel'];
    if (k) out[n.name] = k.annotations.quant?.bits;
  }
  return out;
}

/** Import, check 4-bit annotations, re-export to ONNX and TFLite; LSB distances to ORT(original). */
async function reexport(name: string, original: Uint8Array) {
  saveModel(`int4-read-${name}.onnx`, original);
  const graph = await readOnnx(original);
  const bits = kernelBits(graph);
  expect(Object.keys(bits).length).toBeGreaterThanOrEqual(4);
  for (const b of Object.values(bits)) expect(b).toBe(4);
  expect(graph.metadata['quantization']).toEqual({ mode: 'int8' });

  const again = writeOnnx(graph).bytes;
  const againFile = saveModel(`int4-read-${name}-again.onnx`, again);
  const reInfo = int4Info(againFile);
  expect(reInfo.opset).toBe(21);
  expect(Object.keys(reInfo.int4).filter((k) => k.endsWith('kernel_quantized')).length).toBe(
    Object.keys(bits).length,
  );

  const step = graph.outputs[0]!.annotations.quant!.scale[0]!;
  const ortOriginal = await ort(original, graph);
  const ortAgain = await ort(again, graph);
  const tfliteBytes = writeTflite(graph);
  // every kernel is an INT4 tensor in the TFLite file (no per-layer int8 fallback)
  const tfliteBits = kernelBits(readTflite(tfliteBytes));
  expect(Object.values(tfliteBits)).toEqual(Object.values(bits));
  const tflite = tfliteRun(tfliteBytes, x);
  const lsb = {
    onnxAgain: maxAbsError(ortAgain, ortOriginal) / step,
    tflite: maxAbsError(tflite, ortOriginal) / step,
  };
  console.log(
    `${name}: |ORT(re-written) − ORT(original)| ${lsb.onnxAgain.toFixed(2)} LSB, |TF interpreter(TFLite INT4) − ORT(original)| ${lsb.tflite.toFixed(2)} LSB; bytes original ${original.length}, re-written ${again.length}`,
  );
  expect(lsb.onnxAgain).toBeLessThanOrEqual(1.001);
  expect(lsb.tflite).toBeLessThanOrEqual(1.001);
  return { graph, again, lsb };
}

it('collabopt int4 ONNX → IR (bits = 4) → the same ONNX nodes and INT4 initializers, → TFLite INT4 within 1 LSB of ORT', async () => {
  const g = referenceCnnGraph(3);
  await quantizePostTraining(g, {
    mode: 'int8',
    weightBits: 4,
    engine,
    data: createDataset(randomArr([32, ...shape], 5).data, new Int32Array(32), shape),
    samples: 32,
  });
  const original = writeOnnx(g).bytes;
  const { again } = await reexport('collabopt', original);
  // the same nodes and initializer contents (INT4 bytes included); value names may differ
  const same = runPython(path.join(__dirname, 'int4-same-model.py'), [
    saveModel('int4-read-collabopt-a.onnx', original),
    saveModel('int4-read-collabopt-b.onnx', again),
  ]).stdout;
  expect(JSON.parse(same.slice(same.indexOf('{')))).toEqual({
    ops: true,
    initializers: true,
    int4Initializers: 8,
  });
});

// Below opset 21 ONNX Runtime's quantizer writes its contrib com.microsoft Q/DQ for INT4.
it.each([
  [21, [] as string[]],
  [13, ['per_channel']],
])(
  'ONNX Runtime quantize_static(weight_type=QInt4) of an opset-%i model %j → IR (bits = 4) → ONNX and TFLite INT4 within 1 LSB',
  async (opset, options) => {
    const tag = [`opset${opset}`, ...options].join('-');
    const calib = randomArr([16, ...shape], 7);
    const float = saveModel(
      `int4-read-float-${tag}.onnx`,
      writeOnnx(referenceCnnGraph(11), { mode: 'float', opset }).bytes,
    );
    const out = path.join(TMP, `int4-read-ort-${tag}.onnx`);
    const printed = runPython(path.join(__dirname, 'int4-ort-quantize.py'), [
      float,
      npy(`int4-read-calib-${tag}.npy`, toNchw(calib).data, toNchw(calib).dims),
      out,
      ...options,
    ]).stdout;
    const info = JSON.parse(printed.slice(printed.indexOf('{'))) as Int4Info;
    expect(info.opset).toBe(opset);
    expect(Object.keys(info.int4).filter((k) => k.endsWith('kernel_quantized')).length).toBe(4);
    await reexport(`ort-${tag}`, readFileSync(out));
  },
);
