/** @jest-environment ./format-onnx/ort-environment.js */
/**
 * int4 QDQ ONNX (issue #17): `ptq(weightBits=4)` kernels are written as INT4 initializers (two per
 * byte) feeding DequantizeLinear at opset 21; the ONNX checker accepts the file, ONNX Runtime runs
 * it within 1 LSB of the IR's quantized simulation, and the file is smaller than the int8 one. A
 * lower explicit opset is a typed error instead of a silent int8 or float file.
 */
import * as path from 'node:path';
import { CollaboptError, tensor } from '@collabopt/core';
import { createDataset, createEngine, type Engine } from '@collabopt/engine';
import { writeOnnx } from '@collabopt/format-onnx';
import { paramsOfValue, quantizePostTraining, simulationTransform } from '@collabopt/quantization';
import { runPython } from '../helpers/oracle';
import { referenceCnnGraph } from './graphs';
import { checkModels, maxAbsError, ortRun, randomArr, saveModel, toNchw } from './helpers';

let engine: Engine;
beforeAll(async () => {
  engine = await createEngine({ backend: 'cpu' });
});

it('reference CNN with int4 kernels: INT4 initializers at opset 21, ONNX Runtime within 1 LSB of the IR simulation', async () => {
  const shape = [28, 28, 1];
  const calib = randomArr([32, ...shape], 5);
  const x = randomArr([8, ...shape], 6);
  const quantized = async (weightBits: number) => {
    const g = referenceCnnGraph(3);
    await quantizePostTraining(g, {
      mode: 'int8',
      weightBits,
      engine,
      data: createDataset(calib.data, new Int32Array(32), shape),
      samples: 32,
    });
    return g;
  };
  const graph = await quantized(4);
  const int8 = await quantized(8);

  const bytes = writeOnnx(graph).bytes;
  const int8Bytes = writeOnnx(int8).bytes;
  const file = saveModel('reference-cnn-int4.onnx', bytes);
  expect(checkModels([file])[file]).toBe('ok');

  // the file declares opset 21 and stores every kernel (and its zero points) as INT4
  const inspect = runPython(path.join(__dirname, 'int4_initializers.py'), [file]).stdout;
  const info = JSON.parse(inspect.slice(inspect.indexOf('{'))) as {
    opset: number;
    int4: Record<string, number[]>;
  };
  expect(info.opset).toBe(21);
  expect(Object.keys(info.int4).sort()).toEqual(
    [
      'conv1_kernel_quantized',
      'conv1_kernel_zero_point',
      'conv2_kernel_quantized',
      'conv2_kernel_zero_point',
      'dense1_kernel_quantized',
      'dense1_kernel_zero_point',
      'logits_kernel_quantized',
      'logits_kernel_zero_point',
    ].sort(),
  );
  expect(info.int4['conv1_kernel_quantized']).toEqual([16, 1, 3, 3]); // OIHW
  expect(info.int4['dense1_kernel_quantized']).toEqual([800, 64]);

  const input = graph.inputs[0]!.name;
  const out = Object.values(await ortRun(bytes, { [input]: toNchw(x) }))[0]!;
  const [sim] = await engine.predict(graph, [tensor('float32', [8, ...shape], x.data)], {
    // ONNX Runtime dequantizes the INT4 weights and rounds once per QuantizeLinear (float math)
    activationTransforms: [simulationTransform(graph, { int4Requantization: 'float' })],
  });
  const step = paramsOfValue(graph.outputs[0]!)!.scale;
  const lsb = maxAbsError(out.data, sim!.data as Float32Array) / step;
  console.log(
    `int4 QDQ: |ORT − IR sim| ${lsb.toFixed(2)} LSB; bytes int4 ${bytes.length} vs int8 ${int8Bytes.length} (${((bytes.length / int8Bytes.length) * 100).toFixed(0)}%)`,
  );
  expect(lsb).toBeLessThanOrEqual(1.001);
  expect(bytes.length).toBeLessThan(0.6 * int8Bytes.length);

  // an explicit opset before INT4 is a typed error naming the layer
  let error: unknown;
  try {
    writeOnnx(graph, { opset: 13 });
  } catch (e) {
    error = e;
  }
  expect(error).toBeInstanceOf(CollaboptError);
  expect((error as CollaboptError).code).toBe('ONNX_UNSUPPORTED_QUANTIZATION');
  expect((error as Error).message).toMatch(/conv1.*4-bit weights.*opset 21/);
});
