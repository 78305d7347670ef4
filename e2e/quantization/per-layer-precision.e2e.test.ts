/** @jest-environment ./format-onnx/ort-environment.js */
/**
 * Per-layer precision (issue #17 item 4): `ptq(exclude=…, layerBits=…)` keeps excluded layers float
 * inside an int8 model. TFLite: the float layers read DEQUANTIZE'd inputs and their outputs are
 * QUANTIZE'd where an integer layer reads them; a 4-bit layer is stored as INT4. TF's interpreter
 * agrees with the IR's fake-quant simulation within 1 LSB of the (integer) output; with a float
 * last layer the output is float and agrees to float precision of the simulation's inputs.
 * ONNX: the float layers' values carry no QuantizeLinear/DequantizeLinear pair and ONNX Runtime
 * agrees with the same simulation.
 */
import { GraphBuilder, createRng, tensor, type Graph } from '@collabopt/core';
import { createDataset, createEngine, type Engine } from '@collabopt/engine';
import { writeOnnx } from '@collabopt/format-onnx';
import { TensorType, builtinOperatorName, parseModel, writeTflite } from '@collabopt/format-tflite';
import { paramsOfValue, quantizePostTraining, simulationTransform } from '@collabopt/quantization';
import { ortRun, toNchw } from '../format-onnx/helpers';
import { maxAbsError, outputsOf, runTfInterpreter } from '../format-tflite/runtimes';

let engine: Engine;
beforeAll(async () => {
  engine = await createEngine({ backend: 'cpu' });
});

const SHAPE = [12, 12, 2];
const PER = SHAPE.reduce((a, b) => a * b, 1);

function cnn(): Graph {
  const g = new GraphBuilder('mixed_cnn', { seed: 4 });
  const x = g.input('image', [-1, ...SHAPE]);
  let h = g.layer('Conv2D', 'conv1', x, { filters: 6, kernelSize: [3, 3], activation: 'relu' });
  h = g.layer('Conv2D', 'conv2', h, { filters: 8, kernelSize: [3, 3], activation: 'relu' });
  h = g.layer('MaxPool2D', 'pool', h, { poolSize: [2, 2] });
  h = g.layer('Flatten', 'flatten', h);
  h = g.layer('Dense', 'dense_1', h, { units: 16, activation: 'relu' });
  h = g.layer('Dense', 'dense_2', h, { units: 5 });
  return g.build(h);
}

async function quantized(options: Parameters<typeof quantizePostTraining>[1]): Promise<Graph> {
  const rng = createRng(9);
  const calib = Float32Array.from({ length: 64 * PER }, () => rng.uniform(-1, 1));
  const graph = cnn();
  await quantizePostTraining(graph, {
    mode: 'int8',
    engine,
    data: createDataset(calib, new Int32Array(64), SHAPE),
    samples: 64,
    ...options,
  });
  return graph;
}

function opsOf(bytes: Uint8Array) {
  const m = parseModel(bytes);
  const sg = m.subgraphs[0]!;
  return sg.operators.map((op) => ({
    op: builtinOperatorName(m.operatorCodes[op.opcodeIndex]!.builtinCode),
    inputs: op.inputs.map((i) => (i < 0 ? undefined : sg.tensors[i]!)),
    outputs: op.outputs.map((i) => sg.tensors[i]!),
  }));
}

const x = (() => {
  const rng = createRng(3);
  return Float32Array.from({ length: 16 * PER }, () => rng.uniform(-1, 1));
})();

async function simulate(graph: Graph): Promise<Float32Array> {
  const [sim] = await engine.predict(graph, [tensor('float32', [16, ...SHAPE], x)], {
    activationTransforms: [simulationTransform(graph)],
  });
  return sim!.data as Float32Array;
}

function tfliteOutputs(bytes: Uint8Array): Float32Array {
  const samples = Array.from({ length: 16 }, (_, i) => [
    { data: x.subarray(i * PER, (i + 1) * PER), shape: [1, ...SHAPE] },
  ]);
  const [r] = runTfInterpreter([{ model: bytes, samples }]);
  return Float32Array.from(outputsOf(r, 'tflite').flatMap((s) => s[0]!.data));
}

async function onnxOutputs(graph: Graph, bytes: Uint8Array): Promise<Float32Array> {
  const out = await ortRun(bytes, {
    [graph.inputs[0]!.name]: toNchw({ data: x, dims: [16, ...SHAPE] }),
  });
  return Object.values(out)[0]!.data;
}

it('ptq(exclude=[conv2], layerBits=dense_1:4): conv2 runs float between DEQUANTIZE and QUANTIZE, TF interpreter and ORT within 1 LSB of the IR simulation', async () => {
  const graph = await quantized({ exclude: ['conv2'], layerBits: ['dense_1:4'] });
  expect(graph.metadata['quantization']).toEqual({ mode: 'int8', floatLayers: ['conv2'] });
  const bytes = writeTflite(graph);
  const ops = opsOf(bytes);
  expect(ops.map((o) => o.op)).toEqual([
    'QUANTIZE',
    'CONV_2D',
    'DEQUANTIZE',
    'CONV_2D',
    'QUANTIZE',
    'MAX_POOL_2D',
    'RESHAPE',
    'FULLY_CONNECTED',
    'FULLY_CONNECTED',
    'DEQUANTIZE',
  ]);
  const convs = ops.filter((o) => o.op === 'CONV_2D');
  expect(convs.map((o) => [o.inputs[0]!.type, o.inputs[1]!.type, o.outputs[0]!.type])).toEqual([
    [TensorType.INT8, TensorType.INT8, TensorType.INT8],
    [TensorType.FLOAT32, TensorType.FLOAT32, TensorType.FLOAT32],
  ]);
  const fcs = ops.filter((o) => o.op === 'FULLY_CONNECTED');
  expect(fcs.map((o) => o.inputs[1]!.type)).toEqual([TensorType.INT4, TensorType.INT8]);

  const sim = await simulate(graph);
  const step = paramsOfValue(graph.outputs[0]!)!.scale;
  const tf = tfliteOutputs(bytes);
  const tfLsb = maxAbsError(tf, sim) / step;

  const onnx = writeOnnx(graph).bytes;
  // conv2's kernel is a float initializer: only the integer layers' kernels have a quantized
  // initializer (names are stored as plain bytes in the protobuf).
  const names = Buffer.from(onnx).toString('latin1');
  expect(names).toContain('conv1_kernel_quantized');
  expect(names).not.toContain('conv2_kernel_quantized');
  const ort = await onnxOutputs(graph, onnx);
  const ortLsb = maxAbsError(ort, sim) / step;
  console.log(
    `exclude conv2 + dense_1 4-bit: |TFLite − IR sim| ${tfLsb.toFixed(3)} LSB, |ORT − IR sim| ${ortLsb.toFixed(3)} LSB`,
  );
  expect(tfLsb).toBeLessThanOrEqual(1.001);
  expect(ortLsb).toBeLessThanOrEqual(1.001);
});

it('excluding the first and last layers: float input and float output, no QUANTIZE at the input, no DEQUANTIZE at the output', async () => {
  const graph = await quantized({ exclude: ['conv1', '/dense_2/'] });
  expect(graph.inputs[0]!.annotations.quant).toBeUndefined();
  expect(graph.outputs[0]!.annotations.quant).toBeUndefined();
  const bytes = writeTflite(graph);
  const ops = opsOf(bytes).map((o) => o.op);
  expect(ops[0]).toBe('CONV_2D');
  expect(ops[1]).toBe('QUANTIZE');
  expect(ops.slice(-2)).toEqual(['DEQUANTIZE', 'FULLY_CONNECTED']);
  const sim = await simulate(graph);
  // The output is float: compare against dense_2's input step propagated by its weights, bounded
  // here by a tolerance relative to the output's magnitude.
  const tf = tfliteOutputs(bytes);
  const scale = Math.max(...Array.from(sim, Math.abs));
  const tfErr = maxAbsError(tf, sim) / scale;
  const ort = await onnxOutputs(graph, writeOnnx(graph).bytes);
  const ortErr = maxAbsError(ort, sim) / scale;
  // Integer layers in between may round one step differently; through the float dense_2 one LSB
  // of dense_1's output moves the output by at most |W|·step.
  const d1Step = paramsOfValue(graph.value('dense_1'))!.scale;
  const w = graph.node('dense_2').weight('kernel').tensor.data as Float32Array;
  const bound = (Array.from(w, Math.abs).reduce((a, b) => a + b, 0) / 5) * d1Step;
  console.log(
    `float first and last layer: |TFLite − IR sim| ${(tfErr * scale).toExponential(2)}, |ORT − IR sim| ${(ortErr * scale).toExponential(2)} (bound ${bound.toExponential(2)})`,
  );
  expect(tfErr * scale).toBeLessThanOrEqual(bound);
  expect(ortErr * scale).toBeLessThanOrEqual(bound);
});
