/** @jest-environment ./format-onnx/ort-environment.js */
/**
 * A custom op (ScaledDense: one OpRegistry entry plus an ONNX and a TFLite mapping registered from
 * outside the format packages) exports float and int8 to both formats, and the files run in ONNX
 * Runtime and TensorFlow's TFLite interpreter in agreement with the IR (float: to float rounding;
 * int8: within 1 LSB of the IR's quantized simulation).
 */
import {
  MemoryLogger,
  PassManager,
  PassRegistry,
  checkMask,
  type Graph,
  type QuantAnnotation,
} from '@collabopt/core';
import { builtinKernels, createDataset, createEngine, tf } from '@collabopt/engine';
import { registerPruningPasses } from '@collabopt/pruning';
import { registerQuantizationPasses } from '@collabopt/quantization';
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

  it('ScaledDense goes through the stock prune → ptq passes and runs in ONNX Runtime and TFLite', async () => {
    // The only additions for the op: its registry entry and mappings (above) and one engine kernel.
    const kernels = builtinKernels();
    kernels.register('ScaledDense', ([x], ctx) => {
      const alpha = ctx.attrs['alpha'] as number;
      let y = tf.mul(tf.matMul(x as tf.Tensor2D, ctx.weights['kernel'] as tf.Tensor2D), alpha);
      if (ctx.weights['bias']) y = tf.add(y, ctx.weights['bias']);
      const act = ctx.attrs['activation'];
      return act === 'relu' ? tf.relu(y) : act === 'relu6' ? tf.relu6(y) : y;
    });
    const engine = await createEngine({ backend: 'cpu', kernels, logger: new MemoryLogger() });
    const x = randomArr([64, 16], 11);
    x.data.forEach((v, i) => (x.data[i] = 2 * v - 1));
    const labels = Int32Array.from({ length: 64 }, (_, i) => i % 5);
    const data = createDataset(Float32Array.from(x.data), labels, [16], 'random');
    const passes = new PassRegistry();
    registerPruningPasses(passes);
    registerQuantizationPasses(passes);
    const { graph } = await new PassManager({
      passRegistry: passes,
      engine,
      data: { calibration: data },
      logger: new MemoryLogger(),
    })
      .addPipeline('prune(sparsity=0.5, oneShot=true) | ptq(mode=int8, samples=64, batchSize=32)')
      .run(scaledDenseGraph());

    // The custom kernel was pruned and quantized per unit, as its registry entry declares.
    const kernel = graph.node('scaled').weight('kernel');
    expect(checkMask(kernel.tensor, kernel.annotations.mask!).ok).toBe(true);
    expect(kernel.annotations.quant!.scale.length).toBe(12);

    const input = graph.inputs[0]!.name;
    const step = graph.outputs[0]!.annotations.quant!.scale[0]!;
    const sim = simulate(graph, x, true);
    const onnxQdq = writeOnnx(graph).bytes;
    const onnxFile = saveModel('scaled-dense-pruned-ptq.onnx', onnxQdq);
    expect(checkModels([onnxFile])[onnxFile]).toBe('ok');
    const ort = Object.values(await ortRun(onnxQdq, { [input]: x }))[0]!.data;
    const samples = Array.from({ length: x.dims[0]! }, (_, b) => [
      { data: x.data.subarray(b * 16, (b + 1) * 16), shape: [1, 16] },
    ]);
    const [tfl] = runTfInterpreter([{ model: writeTflite(graph, { mode: 'int8' }), samples }]);
    expect(tfl!.error).toBeUndefined();
    const tflOut = Float32Array.from(tfl!.samples.flatMap((s) => s[0]!.data));
    const ortLsb = maxAbsError(ort, sim) / step;
    const tflLsb = maxAbsError(tflOut, sim) / step;
    console.log(
      `ScaledDense prune → ptq: |ORT − IR sim| ${ortLsb.toFixed(2)} LSB, |TFLite − IR sim| ${tflLsb.toFixed(2)} LSB`,
    );
    expect(ortLsb).toBeLessThanOrEqual(1.001);
    expect(tflLsb).toBeLessThanOrEqual(1.001);
  });
});
