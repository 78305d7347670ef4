/** @jest-environment ./format-onnx/ort-environment.js */
/**
 * Float ONNX export of every mapped op, checked by onnx.checker (full check) + strict shape
 * inference and run in ONNX Runtime: outputs agree with our engine; reading the file back gives a
 * graph the engine runs with the same outputs.
 */
import { floatTensor, type Graph } from '@collabopt/core';
import { createEngine, type Engine } from '@collabopt/engine';
import { readOnnx, writeOnnx } from '@collabopt/format-onnx';
import { allOpsGraph, moreOpsGraph, referenceCnnGraph } from './graphs';
import {
  checkModels,
  maxAbsError,
  ortRun,
  randomArr,
  saveModel,
  toNchw,
  toNhwc,
  type Arr,
} from './helpers';

const GRAPHS: [string, () => Graph, number[]][] = [
  ['all_ops', () => allOpsGraph(1), [3, 8, 8, 3]],
  ['more_ops', () => moreOpsGraph(3), [3, 6, 6, 4]],
  ['reference_cnn', () => referenceCnnGraph(7), [3, 28, 28, 1]],
];

/** max |a − b| relative to the largest |b| of the output. */
function relError(a: Float32Array, b: Float32Array): number {
  let scale = 0;
  for (const v of b) scale = Math.max(scale, Math.abs(v));
  return maxAbsError(a, b) / Math.max(scale, 1e-6);
}

async function enginePredict(engine: Engine, graph: Graph, x: Arr): Promise<Arr[]> {
  const out = await engine.predict(graph, [floatTensor(x.dims, x.data)]);
  return out.map((t) => ({ data: Float32Array.from(t.data as Float32Array), dims: [...t.shape] }));
}

describe('float ONNX export in ONNX Runtime and the ONNX checker', () => {
  let engine: Engine;
  beforeAll(async () => {
    engine = await createEngine();
  });

  it('every exported model passes check_model(full_check) and strict shape inference', () => {
    const files: string[] = [];
    for (const [name, build] of GRAPHS) {
      for (const opset of [13, 17, 21, 23, 26])
        files.push(saveModel(`${name}-${opset}.onnx`, writeOnnx(build(), { opset }).bytes));
      files.push(saveModel(`${name}-nhwc.onnx`, writeOnnx(build(), { nhwcIo: true }).bytes));
      files.push(
        saveModel(
          `${name}-ext.onnx`,
          writeOnnx(build(), { externalData: 'always', fileName: `${name}-ext.onnx` }).files[0]!
            .bytes,
        ),
      );
    }
    // external data files beside their models
    for (const [name, build] of GRAPHS) {
      const f = writeOnnx(build(), { externalData: 'always', fileName: `${name}-ext.onnx` }).files;
      for (const file of f.slice(1)) saveModel(file.path, file.bytes);
    }
    const results = checkModels(files);
    for (const f of files) expect(`${f}: ${results[f]}`).toBe(`${f}: ok`);
  });

  for (const [name, build, shape] of GRAPHS) {
    it(`${name}: ONNX Runtime output equals the engine's (≤ 1e-5 relative), NCHW and NHWC I/O, opsets 13, 23 and 26`, async () => {
      const graph = build();
      const x = randomArr(shape, 9);
      const expected = await enginePredict(engine, graph, x);
      for (const opset of [13, 23, 26]) {
        const out = await ortRun(writeOnnx(graph, { opset }).bytes, {
          [graph.inputs[0]!.name]: toNchw(x),
        });
        graph.outputs.forEach((v, i) => {
          const got = toNhwc(out[v.name]!);
          expect(got.dims).toEqual(expected[i]!.dims);
          const err = relError(got.data, expected[i]!.data);
          console.log(
            `${name} opset ${opset} output ${v.name}: max relative error ${err.toExponential(2)}`,
          );
          expect(err).toBeLessThanOrEqual(1e-5);
        });
      }
      const nhwc = await ortRun(writeOnnx(graph, { nhwcIo: true }).bytes, {
        [graph.inputs[0]!.name]: x,
      });
      graph.outputs.forEach((v, i) =>
        expect(relError(nhwc[v.name]!.data, expected[i]!.data)).toBeLessThanOrEqual(1e-5),
      );
    });

    it(`${name}: the exported file read back runs in the engine with the same outputs`, async () => {
      const graph = build();
      const x = randomArr(shape, 4);
      const expected = await enginePredict(engine, graph, x);
      const back = await readOnnx(writeOnnx(graph).bytes);
      const got = await enginePredict(engine, back, x);
      expected.forEach((e, i) => expect(relError(got[i]!.data, e.data)).toBeLessThanOrEqual(1e-5));
    });
  }
});
