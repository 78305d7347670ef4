/** @jest-environment ./format-onnx/ort-environment.js */
/**
 * QDQ int8 export checked by real runtimes: the ONNX checker, ONNX Runtime (its int8 kernels:
 * QLinearConv / QLinearMatMul / QGemm in the optimised graph) and onnx.reference (exact QDQ
 * semantics); pruned zeros and clustered values survive in the int8 weights.
 */
import * as path from 'node:path';
import { floatTensor } from '@collabopt/core';
import { createEngine } from '@collabopt/engine';
import { writeOnnx } from '@collabopt/format-onnx';
import { quantizePostTraining } from '@collabopt/quantization';
import { runPython } from '../helpers/oracle';
import { annotateInt8, calibrate, pruneAndCluster } from './annotate';
import { allOpsGraph, referenceCnnGraph } from './graphs';
import { checkModels, maxAbsError, npy, ortRun, randomArr, saveModel, toNchw } from './helpers';

interface QdqReport {
  reference: number[];
  ort: number[];
  optimizedOps: string[];
  weights: Record<string, { zeros: number; size: number; maxUniquePerRow: number; unique: number }>;
}

describe('QDQ int8 ONNX export in ONNX Runtime', () => {
  const cases = [
    {
      name: 'reference_cnn',
      build: () => referenceCnnGraph(11),
      shape: [8, 28, 28, 1],
      prune: 'conv2',
    },
    {
      name: 'all_ops',
      build: () => allOpsGraph(2, { batchNorm: false }),
      shape: [8, 8, 8, 3],
      prune: 'conv1',
    },
  ];
  for (const c of cases) {
    it(`${c.name}: checker-clean, int8 kernels in ORT, agrees with float and with onnx.reference`, async () => {
      const graph = c.build();
      pruneAndCluster(graph, c.prune);
      const x = randomArr(c.shape, 3);
      annotateInt8(graph, await calibrate(graph, x));
      const inputName = graph.inputs[0]!.name;
      const xNchw = toNchw(x);
      const floatBytes = writeOnnx(graph, { mode: 'float' }).bytes;
      const floatOut = Object.values(await ortRun(floatBytes, { [inputName]: xNchw }))[0]!;
      const outQ = graph.outputs[0]!.annotations.quant!;
      for (const reduceRange of [false, true]) {
        // (8-bit first: printed for the record; the assertions that depend on exact int8 math use 7-bit)
        const file = saveModel(
          `${c.name}-qdq${reduceRange ? '-rr' : ''}.onnx`,
          writeOnnx(graph, { reduceRange }).bytes,
        );
        expect(checkModels([file])[file]).toBe('ok');
        const file21 = saveModel(
          `${c.name}-qdq21${reduceRange ? '-rr' : ''}.onnx`,
          writeOnnx(graph, { reduceRange, opset: 21 }).bytes,
        );
        const report = JSON.parse(
          runPython(path.join(__dirname, 'qdq_check.py'), [
            file,
            npy(`${c.name}-x.npy`, xNchw.data, xNchw.dims),
            file21,
          ]).stdout,
        ) as QdqReport;
        const ort = Float32Array.from(report.ort);
        const ref = Float32Array.from(report.reference);
        const step = outQ.scale[0]!;
        // ORT's integer kernels vs the exact QDQ semantics: within a couple of output steps.
        const vsRef = maxAbsError(ort, ref);
        // int8 vs float (quantization error of the whole network), in output steps.
        const vsFloat = maxAbsError(ort, floatOut.data);
        console.log(
          `${c.name} reduceRange=${reduceRange}: |ORT − onnx.reference| = ${vsRef.toExponential(2)} (${(vsRef / step).toFixed(2)} steps), |int8 − float| = ${vsFloat.toExponential(2)} (${(vsFloat / step).toFixed(1)} steps); ops ${report.optimizedOps.join(' ')}`,
        );
        // Full 8-bit weights can saturate ORT's u8s8 kernels on CPUs without VNNI (toolchain.md), so
        // exactness is required with reduce-range weights; the 8-bit numbers are printed above.
        if (reduceRange) expect(vsRef).toBeLessThanOrEqual(1.01 * step);
        const range = graph.outputs[0]!.annotations.range!;
        if (reduceRange)
          expect(vsFloat).toBeLessThanOrEqual(Math.max(0.1 * (range.max - range.min), 4 * step));
        expect(report.optimizedOps).toContain('QLinearConv');
        // the same model at the highest opset ONNX Runtime 1.30 loads gives the same int8 output
        const out26 = Object.values(
          await ortRun(writeOnnx(graph, { reduceRange, opset: 26 }).bytes, { [inputName]: xNchw }),
        )[0]!;
        expect(maxAbsError(out26.data, ort)).toBeLessThanOrEqual(1e-6);
        const pruned = report.weights[`${c.prune}_kernel_quantized`]!;
        expect(pruned.zeros).toBeGreaterThanOrEqual(pruned.size / 2);
        expect(pruned.maxUniquePerRow).toBeLessThanOrEqual(5);
      }
    });
  }

  it('annotations written by the ptq plugin export to QDQ that ONNX Runtime runs exactly (reduce-range)', async () => {
    const engine = await createEngine();
    const graph = referenceCnnGraph(5);
    const calib = randomArr([64, 28, 28, 1], 8);
    await quantizePostTraining(graph, {
      engine,
      data: { x: calib.data, y: new Int32Array(64), sampleShape: [28, 28, 1], count: 64 },
      mode: 'int8',
      samples: 64,
      batchSize: 32,
    });
    const x = randomArr([4, 28, 28, 1], 9);
    const file = saveModel('ptq-qdq.onnx', writeOnnx(graph, { reduceRange: true }).bytes);
    const file21 = saveModel(
      'ptq-qdq21.onnx',
      writeOnnx(graph, { reduceRange: true, opset: 21 }).bytes,
    );
    expect(checkModels([file])[file]).toBe('ok');
    const xNchw = toNchw(x);
    const report = JSON.parse(
      runPython(path.join(__dirname, 'qdq_check.py'), [
        file,
        npy('ptq-x.npy', xNchw.data, xNchw.dims),
        file21,
      ]).stdout,
    ) as QdqReport;
    const step = graph.outputs[0]!.annotations.quant!.scale[0]!;
    expect(
      maxAbsError(Float32Array.from(report.ort), Float32Array.from(report.reference)),
    ).toBeLessThanOrEqual(1.01 * step);
    expect(report.optimizedOps).toEqual(expect.arrayContaining(['QLinearConv']));
    // and close to the float model the engine runs
    const [float] = await engine.predict(referenceCnnGraph(5), [floatTensor(x.dims, x.data)]);
    const err = maxAbsError(Float32Array.from(report.ort), float!.data as Float32Array);
    console.log(
      `ptq plugin → QDQ: |int8 − float| = ${err.toExponential(2)} (${(err / step).toFixed(1)} output steps)`,
    );
    expect(err).toBeLessThanOrEqual(10 * step);
  });
});
