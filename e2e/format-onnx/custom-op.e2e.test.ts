/** @jest-environment ./format-onnx/ort-environment.js */
/**
 * A custom op (ScaledDense: one OpRegistry entry plus an ONNX and a TFLite mapping registered from
 * outside the format packages) exports float and int8 to both formats, and the files run in ONNX
 * Runtime and TensorFlow's TFLite interpreter in agreement with the IR (float: to float rounding;
 * int8: within 1 LSB of the IR's quantized simulation).
 */
import type { Graph, QuantAnnotation } from '@collabopt/core';
import { writeOnnx } from '@collabopt/format-onnx';
import { writeTflite } from '@collabopt/format-tflite';
import { runTfInterpreter } from '../format-tflite/runtimes';
import { annotateInt8, calibrate } from './annotate';
import { checkModels, maxAbsError, ortRun, randomArr, saveModel, type Arr } from './helpers';
import { registerScaledDense, scaledDenseGraph } from './scaled-dense';

/** Quantize-dequantize with an activation annotation (round half away from zero, clamp to int8). */
function fakeQuant(v: number, q: QuantAnnotation): number {
  const s = q.scale[0]!;
  const zp = q.zeroPoint[0]!;
  const code = Math.max(-128, Math.min(127, Math.round(v / s) + zp));
  return (code - zp) * s;
}

/** The IR's reading of the graph (ScaledDense and Dense layers in a chain), float or int8-simulated. */
function simulate(graph: Graph, x: Arr, quantized: boolean): Float32Array {
  const fq = (v: number, q: QuantAnnotation | undefined) => (quantized && q ? fakeQuant(v, q) : v);
  const n = x.dims[0]!;
  let cur = Float64Array.from(x.data, (v) => fq(v, graph.inputs[0]!.annotations.quant));
  for (const node of graph.topologicalOrder()) {
    if (node.op === 'Input') continue;
    const w = node.weight('kernel').tensor;
    const [inF, units] = w.shape as [number, number];
    const kernel = w.data as Float32Array;
    const bias = node.weights['bias']?.tensor.data as Float32Array | undefined;
    const alpha = node.op === 'ScaledDense' ? (node.attrs['alpha'] as number) : 1;
    const act = node.attrs['activation'] ?? 'linear';
    const out = new Float64Array(n * units);
    for (let b = 0; b < n; b++)
      for (let u = 0; u < units; u++) {
        let acc = 0;
        for (let i = 0; i < inF; i++) acc += cur[b * inF + i]! * kernel[i * units + u]!;
        let y = alpha * acc + (bias?.[u] ?? 0);
        if (act === 'relu') y = Math.max(0, y);
        out[b * units + u] = fq(y, node.output.annotations.quant);
      }
    cur = out;
  }
  return Float32Array.from(cur);
}

describe('custom op registered from outside the format packages', () => {
  beforeAll(() => registerScaledDense());

  it('ScaledDense exports float and int8 to ONNX (ONNX Runtime) and TFLite (TF interpreter)', async () => {
    const graph = scaledDenseGraph();
    const bias = graph.node('scaled').weight('bias').tensor.data as Float32Array;
    bias.forEach((_, i) => (bias[i] = 0.05 * (i - 6)));
    const x = randomArr([32, 16], 7);
    x.data.forEach((v, i) => (x.data[i] = 2 * v - 1));
    const input = graph.inputs[0]!.name;

    // float
    const floatRef = simulate(graph, x, false);
    const onnxFloat = writeOnnx(graph, { mode: 'float' }).bytes;
    const onnxFloatFile = saveModel('scaled-dense-float.onnx', onnxFloat);
    const ortFloat = Object.values(await ortRun(onnxFloat, { [input]: x }))[0]!.data;
    const tflFloat = writeTflite(graph, { mode: 'float32' });

    // int8: calibrated activation ranges, weights and biases on their grids (quantization plugin)
    annotateInt8(graph, await calibrate(graph, x));
    const step = graph.outputs[0]!.annotations.quant!.scale[0]!;
    const sim = simulate(graph, x, true);
    const onnxQdq = writeOnnx(graph).bytes;
    const onnxQdqFile = saveModel('scaled-dense-qdq.onnx', onnxQdq);
    const ortInt8 = Object.values(await ortRun(onnxQdq, { [input]: x }))[0]!.data;
    const tflInt8 = writeTflite(graph, { mode: 'int8' });

    const checks = checkModels([onnxFloatFile, onnxQdqFile]);
    expect(checks[onnxFloatFile]).toBe('ok');
    expect(checks[onnxQdqFile]).toBe('ok');

    // The TFLite file has batch 1: one sample per invocation.
    const samples = Array.from({ length: x.dims[0]! }, (_, b) => [
      { data: x.data.subarray(b * 16, (b + 1) * 16), shape: [1, 16] },
    ]);
    const joined = (r: { samples: { data: number[] }[][] }) =>
      Float32Array.from(r.samples.flatMap((s) => s[0]!.data));
    const [tf32, tf8] = runTfInterpreter([
      { model: tflFloat, samples },
      { model: tflInt8, samples },
    ]);
    expect(tf32!.error).toBeUndefined();
    expect(tf8!.error).toBeUndefined();
    const tflFloatOut = joined(tf32!);
    const tflInt8Out = joined(tf8!);

    const e = {
      ortFloat: maxAbsError(ortFloat, floatRef),
      tflFloat: maxAbsError(tflFloatOut, floatRef),
      ortInt8: maxAbsError(ortInt8, sim) / step,
      tflInt8: maxAbsError(tflInt8Out, sim) / step,
      int8VsFloat: maxAbsError(sim, floatRef) / step,
    };
    console.log(
      `ScaledDense: float |ORT − IR| ${e.ortFloat.toExponential(2)}, |TFLite − IR| ${e.tflFloat.toExponential(2)}; ` +
        `int8 |ORT − IR sim| ${e.ortInt8.toFixed(2)} LSB, |TFLite − IR sim| ${e.tflInt8.toFixed(2)} LSB (int8 vs float ${e.int8VsFloat.toFixed(1)} LSB)`,
    );
    expect(e.ortFloat).toBeLessThan(1e-5);
    expect(e.tflFloat).toBeLessThan(1e-5);
    expect(e.ortInt8).toBeLessThanOrEqual(1.001);
    expect(e.tflInt8).toBeLessThanOrEqual(1.001);
  });
});
