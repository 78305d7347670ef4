/**
 * int4 weights in TFLite: kernels on a 4-bit grid are stored as INT4 tensors (two per byte) for
 * CONV_2D, DEPTHWISE_CONV_2D and FULLY_CONNECTED; TF's interpreter runs each within 1 LSB of the
 * IR's simulation (which requantizes 4-bit-kernel layers with TFLite's double rounding); a transposed convolution falls back to int8 with a warning. The file is
 * smaller than the int8 file of the same graph and reads back with its 4-bit annotations.
 */
import { GraphBuilder, MemoryLogger, createRng, type Graph } from '@collabopt/core';
import { createEngine, type Engine } from '@collabopt/engine';
import {
  TensorType,
  builtinOperatorName,
  parseModel,
  readTflite,
  writeTflite,
} from '@collabopt/format-tflite';
import {
  batchOneSamples,
  errorInLsb,
  interpreterOutput,
  quantizeOn,
  simulateQuantized,
  uniformSamples,
} from '../helpers/interpreter-vs-simulation';
import { requantizeKernels } from '../helpers/requantize-kernels';
import { maxAbsError, outputsOf, runTfInterpreter } from './runtimes';

let engine: Engine;
beforeAll(async () => {
  engine = await createEngine({ backend: 'cpu' });
});

function cnn(): Graph {
  const g = new GraphBuilder('int4_cnn', { seed: 6 });
  const x = g.input('image', [-1, 10, 10, 3]);
  let h = g.layer('Conv2D', 'conv', x, {
    filters: 8,
    kernelSize: [3, 3],
    padding: 'same',
    activation: 'relu',
  });
  h = g.layer('DepthwiseConv2D', 'dw', h, { kernelSize: [3, 3], activation: 'relu6' });
  h = g.layer('Conv2DTranspose', 'deconv', h, {
    filters: 5,
    kernelSize: [3, 3],
    strides: [2, 2],
    padding: 'same',
  });
  h = g.layer('MaxPool2D', 'pool', h, { poolSize: [4, 4] });
  h = g.layer('Flatten', 'flatten', h);
  h = g.layer('Dense', 'dense', h, { units: 7 });
  return g.build(h);
}

/** Every kernel re-quantized to 4 bits (per channel where PTQ quantized it per channel), and its bias. */
const toInt4Kernels = (float: Graph, quantized: Graph): Graph =>
  requantizeKernels(float, quantized, {
    bits: 4,
    channelAxes: (node) => node.weight('kernel').annotations.quant!.channelAxes,
  });

it('a CNN with int4 kernels runs in TF interpreter next to the IR simulation; unsupported ops fall back to int8', async () => {
  const rng = createRng(2);
  const shape = [10, 10, 3];
  const calib = uniformSamples(rng, 64, shape);
  const x = uniformSamples(rng, 16, shape);
  const float = cnn();
  const int8 = float.clone();
  await quantizeOn(int8, engine, 'int8', calib, shape);
  const graph = toInt4Kernels(float, int8);
  const logger = new MemoryLogger();
  const bytes = writeTflite(graph, { logger });
  const int8Bytes = writeTflite(int8, { logger: new MemoryLogger() });

  const m = parseModel(bytes);
  const sg = m.subgraphs[0]!;
  const filterType: Record<string, number> = {};
  for (const op of sg.operators) {
    const name = builtinOperatorName(m.operatorCodes[op.opcodeIndex]!.builtinCode);
    const filter = name === 'TRANSPOSE_CONV' ? op.inputs[1]! : op.inputs[1];
    if (['CONV_2D', 'DEPTHWISE_CONV_2D', 'FULLY_CONNECTED', 'TRANSPOSE_CONV'].includes(name))
      filterType[name] = sg.tensors[filter!]!.type;
  }
  expect(filterType).toEqual({
    CONV_2D: TensorType.INT4,
    DEPTHWISE_CONV_2D: TensorType.INT4,
    FULLY_CONNECTED: TensorType.INT4,
    TRANSPOSE_CONV: TensorType.INT8,
  });
  const warnings = logger.records.filter((r) => r.level === 'warn').map((r) => r.message);
  expect(warnings).toHaveLength(1);
  expect(warnings[0]).toMatch(/Conv2DTranspose "deconv" kernel: 4-bit weights are written as int8/);

  // the interpreter runs it, within 1 LSB of our simulation
  const samples = batchOneSamples(x, shape);
  // The same 4-bit codes stored as INT8 (annotation bits 8): the INT4 file must compute exactly the same.
  const asInt8 = graph.clone();
  for (const n of asInt8.nodes) {
    const k = n.weights['kernel'];
    if (k) k.annotations.quant = { ...k.annotations.quant!, bits: 8 };
  }
  const sameCodesInt8 = writeTflite(asInt8, { logger: new MemoryLogger() });
  const [r, r8] = runTfInterpreter([
    { model: bytes, samples },
    { model: sameCodesInt8, samples },
  ]);
  const tf = Float32Array.from(outputsOf(r, 'tflite int4').flatMap((s) => s[0]!.data));
  const tf8 = Float32Array.from(outputsOf(r8, 'tflite int8').flatMap((s) => s[0]!.data));
  const sim = await simulateQuantized(engine, graph, x, shape);
  // The same codes stored as INT8 run TFLite's optimized int8 kernels, which round once, like the
  // simulation's float fake-quant.
  const simFloat = await simulateQuantized(engine, graph, x, shape, {
    int4Requantization: 'float',
  });
  const lsb = errorInLsb(tf, sim, graph);
  const lsbFloat = errorInLsb(tf, simFloat, graph);
  const lsb8 = errorInLsb(tf8, simFloat, graph);
  console.log(
    `int4 kernels: |TFLite INT4 − same codes as INT8| ${maxAbsError(tf, tf8)}; |TFLite − IR sim| ${lsb.toFixed(2)} LSB (one float rounding per layer: ${lsbFloat.toFixed(2)} LSB; INT8 storage vs that: ${lsb8.toFixed(2)} LSB); raw bytes int4 ${bytes.length} vs int8 ${int8Bytes.length} (${((bytes.length / int8Bytes.length) * 100).toFixed(0)}%)`,
  );
  // TFLite's INT4 kernels requantize with double rounding (requantizeInt4Layer), which the default
  // simulation reproduces: the chain stays within 1 LSB (it was 2 LSB with one float rounding).
  expect(lsb8).toBeLessThanOrEqual(1.001);
  expect(lsb).toBeLessThanOrEqual(1.001);
  expect(bytes.length).toBeLessThan(int8Bytes.length);

  // and reads back with its 4-bit annotations; written again, the INT4 filters are the same bytes
  const back = readTflite(bytes);
  expect(back.node('conv').weight('kernel').annotations.quant!.bits).toBe(4);
  const int4Buffers = (model: ReturnType<typeof parseModel>) =>
    model.subgraphs[0]!.tensors.filter((t) => t.type === TensorType.INT4)
      .map((t) => Buffer.from(model.buffers[t.buffer]!).toString('hex'))
      .sort();
  const again = parseModel(writeTflite(back, { logger: new MemoryLogger() }));
  expect(int4Buffers(again)).toEqual(int4Buffers(m));
  expect(int4Buffers(m)).toHaveLength(3);
});

it.each([
  ['Conv2D', { filters: 6, kernelSize: [3, 3], padding: 'same' }],
  ['DepthwiseConv2D', { kernelSize: [3, 3], depthMultiplier: 2 }],
  ['Dense', { units: 9 }],
] as const)(
  'a single %s with INT4 weights is within 1 LSB of the IR simulation',
  async (op, attrs) => {
    const rng = createRng(5);
    const shape = op === 'Dense' ? [40] : [6, 6, 4];
    const g = new GraphBuilder('single', { seed: 8 });
    const float = g.build(g.layer(op, 'layer', g.input('x', [-1, ...shape]), { ...attrs }));
    const b = float.node('layer').weights['bias'];
    if (b) (b.tensor.data as Float32Array).forEach((_, i, a) => (a[i] = rng.uniform(-0.3, 0.3)));
    const calib = uniformSamples(rng, 64, shape);
    const x = uniformSamples(rng, 16, shape);
    const int8 = float.clone();
    await quantizeOn(int8, engine, 'int8', calib, shape);
    const graph = toInt4Kernels(float, int8);
    const bytes = writeTflite(graph, { logger: new MemoryLogger() });
    expect(
      parseModel(bytes).subgraphs[0]!.tensors.find((t) => t.name === 'layer/kernel')!.type,
    ).toBe(TensorType.INT4);
    const tf = interpreterOutput(bytes, x, shape, op);
    const lsb = errorInLsb(tf, await simulateQuantized(engine, graph, x, shape), graph);
    console.log(`single ${op} with INT4 weights: |TFLite − IR sim| ${lsb.toFixed(2)} LSB`);
    expect(lsb).toBeLessThanOrEqual(1.001);
  },
);
