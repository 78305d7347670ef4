/**
 * The fully optimized leaf of the deployment tree, written as TFLite: prune → sparsity-preserving
 * clustering → PTQ int8 through the real passes. The exported file keeps the zeros of every mask
 * and ≤ k int8 values per codebook, and runs in the TFLite interpreter and Arm NN within 1 LSB of
 * our engine's int8 simulation.
 */
import {
  PassManager,
  channelLayout,
  decodeFromGrid,
  encodeOnGrid,
  roundHalfAwayFromZero,
  silentLogger,
  tensor,
  type Graph,
} from '@collabopt/core';
import { registerClusteringPasses } from '@collabopt/clustering';
import { createDataset, createEngine, type Engine } from '@collabopt/engine';
import { parseModel, writeTflite, type TflModel } from '@collabopt/format-tflite';
import { registerPruningPasses } from '@collabopt/pruning';
import { registerQuantizationPasses, simulationTransform } from '@collabopt/quantization';
import { convFamilyModel, sampleInput } from '../../packages/format-tflite/test/models';
import { hasArmnn } from '../helpers/oracle';
import { maxAbsError, outputsOf, runArmnn, runTfInterpreter } from './runtimes';

const CLUSTERS = 8;
let graph: Graph;
let file: Uint8Array;
let model: TflModel;
let engine: Engine;

beforeAll(async () => {
  registerPruningPasses();
  registerClusteringPasses();
  registerQuantizationPasses();
  engine = await createEngine();
  const g = convFamilyModel(1, { transposeBias: false });
  const shape = g.inputs[0]!.shape!;
  const per = shape.slice(1).reduce((a, d) => a * d, 1);
  const x = new Float32Array(64 * per);
  for (let i = 0; i < 64; i++) x.set(sampleInput(shape, 1, 500 + i), i * per);
  const calibration = createDataset(x, new Int32Array(64), shape.slice(1), 'calibration');
  const result = await new PassManager({
    engine,
    data: { calibration, train: calibration },
    logger: silentLogger,
    seed: 3,
  })
    .addPipeline(
      `prune(sparsity=0.6, epochs=0) | cluster(clusters=${CLUSTERS}, preserveSparsity=true, oneShot=true) | ptq(mode=int8, samples=64, batchSize=16)`,
    )
    .run(g);
  graph = result.graph;
  file = writeTflite(graph);
  model = parseModel(file);
}, 240_000);

describe('prune → sparsity-preserving cluster → PTQ int8 exported to TFLite', () => {
  it('keeps every pruned zero and ≤ k int8 values per codebook in the file', () => {
    const sg = model.subgraphs[0]!;
    let checked = 0;
    for (const node of graph.nodes) {
      const w = node.weights['kernel'];
      if (!w?.annotations.mask || !w.annotations.codebook) continue;
      checked++;
      const t = sg.tensors.find((x) => x.name === `${node.name}/kernel`)!;
      const q = new Int8Array(model.buffers[t.buffer]!.slice().buffer);
      // Map every file element back to its IR element: the file is the IR weight in TFLite layout.
      const irShape = w.tensor.shape;
      const irIndex = new Int32Array(q.length);
      const layouts: Record<string, number[]> = {
        Conv2D: [3, 0, 1, 2],
        // [kh, kw, cin, mult] → [1, kh, kw, cin·mult]: the same element order
        DepthwiseConv2D: [0, 1, 2, 3],
        Dense: [1, 0],
        Conv2DTranspose: [2, 0, 1, 3],
      };
      const perm = layouts[node.op]!;
      const strides = irShape.map((_, i) => irShape.slice(i + 1).reduce((a, d) => a * d, 1));
      const outShape = perm.map((p) => irShape[p]!);
      for (let f = 0; f < q.length; f++) {
        let rem = f;
        let src = 0;
        for (let a = outShape.length - 1; a >= 0; a--) {
          const c = rem % outShape[a]!;
          rem = Math.floor(rem / outShape[a]!);
          src += c * strides[perm[a]!]!;
        }
        irIndex[f] = src;
      }
      const mask = w.annotations.mask.mask;
      const channels = t.quantization!.scale!.length;
      const layout = channelLayout(t.shape, [t.quantization!.quantizedDimension]);
      const perChannel = Array.from({ length: channels }, () => new Set<number>());
      for (let f = 0; f < q.length; f++) {
        expect(q[f] === 0).toBe(
          mask[irIndex[f]!] === 0 || (w.tensor.data as Float32Array)[irIndex[f]!] === 0,
        );
        perChannel[channels > 1 ? layout.channelOf(f) : 0]!.add(q[f]!);
      }
      const zerosInFile = q.filter((v) => v === 0).length;
      const zerosInMask = mask.filter((m) => m === 0).length;
      expect(zerosInFile).toBeGreaterThanOrEqual(zerosInMask);
      for (const s of perChannel) expect(s.size).toBeLessThanOrEqual(CLUSTERS);
    }
    expect(checked).toBeGreaterThanOrEqual(3);
  });

  it('runs in the TFLite interpreter and Arm NN within 1 LSB of our int8 simulation', async () => {
    const shape = graph.inputs[0]!.shape!;
    const inputs = [0, 1, 2].map((i) => sampleInput(shape, 1, 900 + i));
    const samples = inputs.map((x) => [{ data: x, shape: [1, ...shape.slice(1)] }]);
    const tf = outputsOf(runTfInterpreter([{ model: file, samples }])[0], 'TF');
    const arm = hasArmnn()
      ? outputsOf(runArmnn([{ model: file, samples }])[0], 'Arm NN')
      : undefined;
    const q = graph.inputs[0]!.annotations.quant!;
    const outStep = graph.outputs[0]!.annotations.quant!.scale[0]!;
    for (let i = 0; i < inputs.length; i++) {
      const xq = inputs[i]!.map((v) =>
        decodeFromGrid(
          encodeOnGrid(v, q.scale[0]!, q.zeroPoint[0]!, -128, 127, roundHalfAwayFromZero), // TFLite QUANTIZE
          q.scale[0]!,
          q.zeroPoint[0]!,
        ),
      );
      const [y] = await engine.predict(graph, [tensor('float32', [1, ...shape.slice(1)], xq)], {
        activationTransforms: [simulationTransform(graph)],
      });
      const ours = Array.from(y!.data as Float32Array);
      expect(maxAbsError(tf[i]![0]!.data, ours)).toBeLessThanOrEqual(outStep * 1.001);
      if (arm)
        expect(maxAbsError(arm[i]![0]!.data, tf[i]![0]!.data)).toBeLessThanOrEqual(outStep * 1.001);
    }
  });
});
