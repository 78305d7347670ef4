/** @jest-environment ./format-onnx/ort-environment.js */
/**
 * QDQ ONNX files in: ONNX Runtime's own static quantizer output (made at test time in the oracle
 * venv: per-tensor int8, per-channel uint8 activations) and collabopt's QDQ output read back into
 * the float IR with their quantization as annotations. The IR's int8 simulation (engine) agrees
 * with ONNX Runtime on the original file, and the IR converts to an int8 TFLite file that TF's
 * interpreter runs within 1 LSB of the same simulation.
 */
import * as path from 'node:path';
import { readFileSync } from 'node:fs';
import { tensor, type Graph } from '@collabopt/core';
import { createEngine, type Engine } from '@collabopt/engine';
import { readOnnx, writeOnnx } from '@collabopt/format-onnx';
import { writeTflite } from '@collabopt/format-tflite';
import { simulationTransform } from '@collabopt/quantization';
import { runPython } from '../helpers/oracle';
import { outputsOf, runTfInterpreter } from '../format-tflite/runtimes';
import { annotateInt8, calibrate } from './annotate';
import { referenceCnnGraph } from './graphs';
import { maxAbsError, npy, ortRun, randomArr, saveModel, toNchw, TMP, type Arr } from './helpers';

let engine: Engine;
beforeAll(async () => {
  engine = await createEngine({ backend: 'cpu' });
});

/** The IR's int8 simulation: inputs on their grid, every annotated value fake-quantized. */
async function simulate(g: Graph, x: Arr): Promise<Float32Array> {
  const [y] = await engine.predict(g, [tensor('float32', x.dims, x.data)], {
    activationTransforms: [simulationTransform(g)],
  });
  return y!.data as Float32Array;
}

/** Run a batch-1 TFLite file sample by sample in TF's interpreter; outputs concatenated. */
function tfliteRun(bytes: Uint8Array, x: Arr): Float32Array {
  const per = x.data.length / x.dims[0]!;
  const samples = Array.from({ length: x.dims[0]! }, (_, b) => [
    { data: x.data.subarray(b * per, (b + 1) * per), shape: [1, ...x.dims.slice(1)] },
  ]);
  const [r] = runTfInterpreter([{ model: bytes, samples }]);
  return Float32Array.from(outputsOf(r, 'tflite').flatMap((s) => s[0]!.data));
}

/** ONNX Runtime's quantize_static (QDQ) on a float export of `g`. */
function ortQuantized(g: Graph, calib: Arr, options: string[]): Uint8Array {
  const tag = options.join('-') || 'default';
  const float = saveModel(`qdqin-float-${tag}.onnx`, writeOnnx(g, { mode: 'float' }).bytes);
  const out = path.join(TMP, `qdqin-ort-${tag}.onnx`);
  runPython(path.join(__dirname, 'ort_quantize.py'), [
    float,
    npy(`qdqin-calib-${tag}.npy`, toNchw(calib).data, toNchw(calib).dims),
    out,
    ...options,
  ]);
  return readFileSync(out);
}

describe('QDQ ONNX import', () => {
  const x = randomArr([12, 28, 28, 1], 5);

  const cases: [string, () => Promise<Uint8Array>][] = [
    [
      'ONNX Runtime quantizer, per tensor, int8',
      async () => ortQuantized(referenceCnnGraph(11), x, []),
    ],
    [
      'ONNX Runtime quantizer, per channel, uint8 activations',
      async () => ortQuantized(referenceCnnGraph(11), x, ['per_channel', 'uint8']),
    ],
    [
      'collabopt QDQ output',
      async () => {
        const g = referenceCnnGraph(11);
        annotateInt8(g, await calibrate(g, x));
        return writeOnnx(g).bytes;
      },
    ],
  ];

  it.each(cases)(
    '%s: imports dequantized with annotations; ORT and TFLite agree with the IR',
    async (name, make) => {
      const qdq = await make();
      const graph = await readOnnx(qdq);
      expect(graph.metadata['quantization']).toEqual({ mode: 'int8' });
      for (const n of graph.nodes) {
        const kernel = n.weights['kernel'];
        if (kernel) expect(kernel.annotations.quant?.dtype).toBe('int8');
        for (const v of n.outputs) expect(v.annotations.quant?.dtype).toBe('int8');
      }

      const sim = await simulate(graph, x);
      const step = graph.outputs[0]!.annotations.quant!.scale[0]!;
      const ort = Object.values(await ortRun(qdq, { [graph.inputs[0]!.name]: toNchw(x) }))[0]!.data;
      const tflite = tfliteRun(writeTflite(graph), x);
      const again = writeOnnx(graph).bytes;
      const ortAgain = Object.values(
        await ortRun(again, { [graph.inputs[0]!.name]: toNchw(x) }),
      )[0]!.data;
      const lsb = {
        ortOriginal: maxAbsError(ort, sim) / step,
        tflite: maxAbsError(tflite, sim) / step,
        ortRewritten: maxAbsError(ortAgain, sim) / step,
      };
      const qdqMeta = (graph.metadata['onnx'] as { qdq: { clampsAsRelu: string[] } }).qdq;
      console.log(
        `${name}: |ORT(original) − IR sim| ${lsb.ortOriginal.toFixed(2)} LSB, |TFLite int8 − IR sim| ${lsb.tflite.toFixed(2)} LSB, |ORT(re-written QDQ) − IR sim| ${lsb.ortRewritten.toFixed(2)} LSB; ReLUs restored from clamps: ${qdqMeta.clampsAsRelu.join(', ') || 'none'}`,
      );
      expect(lsb.ortOriginal).toBeLessThanOrEqual(1.001);
      expect(lsb.tflite).toBeLessThanOrEqual(1.001);
      expect(lsb.ortRewritten).toBeLessThanOrEqual(1.001);
    },
  );
});
