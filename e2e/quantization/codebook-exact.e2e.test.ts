/**
 * Codebook-exact quantization over the deployment tree's clustered leaves (issue #17), on the
 * reference CNN with Fashion-MNIST: clustered → PTQ / CQAT and pruned → sparsity-preserving
 * clustered → PTQ / PCQAT, int8 and int4 (`weightBits=4`). In the written .tflite files every
 * kernel of a CQAT/PCQAT leaf holds ≤ k integer codes per tensor (the codebook is per tensor), the
 * pruned zeros are still zero, and TF's interpreter runs each file next to the IR's simulation
 * (int8 ≤ 1 LSB; int4 ≤ 2 LSB, TFLite's INT4 kernels rounding once more per layer).
 */
import { deflateSync } from 'node:zlib';
import { PassManager, PassRegistry, silentLogger, tensor, type Graph } from '@collabopt/core';
import { registerClusteringPasses } from '@collabopt/clustering';
import {
  createEngine,
  loadFashionMnist,
  referenceCnn,
  type Dataset,
  type Engine,
} from '@collabopt/engine';
import { TensorType, builtinOperatorName, parseModel, writeTflite } from '@collabopt/format-tflite';
import { registerPreservePasses } from '@collabopt/preserve';
import { registerPruningPasses } from '@collabopt/pruning';
import {
  paramsOfValue,
  registerQuantizationPasses,
  simulationTransform,
} from '@collabopt/quantization';
import { maxAbsError, outputsOf, runTfInterpreter } from '../format-tflite/runtimes';

const K = 16;
let engine: Engine;
let train: Dataset;
let test: Dataset;
const passes = new PassRegistry();
registerPruningPasses(passes);
registerClusteringPasses(passes);
registerQuantizationPasses(passes);
registerPreservePasses(passes);

function first(d: Dataset, n: number): Dataset {
  const per = d.sampleShape.reduce((a, b) => a * b, 1);
  return { ...d, x: d.x.subarray(0, n * per), y: d.y.subarray(0, n), count: n };
}

async function run(g: Graph, pipeline: string): Promise<Graph> {
  const pm = new PassManager({
    passRegistry: passes,
    logger: silentLogger,
    engine,
    data: { train, calibration: train },
    seed: 2,
  });
  return (await pm.addPipeline(pipeline).run(g)).graph;
}

/** Integer codes of every kernel (conv / fully-connected filter) in the file, by tensor name. */
function fileKernels(bytes: Uint8Array): Map<string, { codes: Int8Array; type: number }> {
  const m = parseModel(bytes);
  const sg = m.subgraphs[0]!;
  const out = new Map<string, { codes: Int8Array; type: number }>();
  for (const op of sg.operators) {
    const name = builtinOperatorName(m.operatorCodes[op.opcodeIndex]!.builtinCode);
    if (!['CONV_2D', 'DEPTHWISE_CONV_2D', 'FULLY_CONNECTED'].includes(name)) continue;
    const t = sg.tensors[op.inputs[1]!]!;
    const raw = m.buffers[t.buffer]!;
    const count = t.shape.reduce((a, b) => a * b, 1);
    let codes: Int8Array;
    if (t.type === TensorType.INT4) {
      codes = new Int8Array(count);
      for (let i = 0; i < count; i++) {
        const nibble = (raw[i >> 1]! >> ((i & 1) * 4)) & 0x0f;
        codes[i] = nibble >= 8 ? nibble - 16 : nibble;
      }
    } else codes = new Int8Array(raw.slice().buffer, 0, count);
    out.set(t.name, { codes, type: t.type });
  }
  return out;
}

beforeAll(async () => {
  engine = await createEngine({ logger: silentLogger });
  const fm = loadFashionMnist();
  train = first(fm.train, 2048);
  test = first(fm.test, 32);
}, 60_000);

it('CQAT/PCQAT leaves keep ≤ k codes per kernel tensor, int8 and int4, and run in TF next to the IR simulation', async () => {
  const baseline = referenceCnn(0);
  await engine.fit(baseline, train, {
    epochs: 1,
    batchSize: 128,
    optimizer: 'adam',
    learningRate: 1e-3,
    seed: 0,
    label: 'baseline',
  });
  const clustered = await run(baseline.clone(), `cluster(clusters=${K}, oneShot=true)`);
  const prunedClustered = await run(
    baseline.clone(),
    `prune(sparsity=0.5, oneShot=true) | sparsityPreservingCluster(clusters=${K}, oneShot=true)`,
  );
  const qat = 'maxSteps=12, batchSize=64, rangeInit=firstBatch';
  const leaves = [
    { id: 'clustered-ptq', from: clustered, pipeline: 'ptq(mode=int8)' },
    { id: 'clustered-cqat', from: clustered, pipeline: `cqat(${qat})` },
    { id: 'clustered-cqat-int4', from: clustered, pipeline: `cqat(${qat}, weightBits=4)` },
    { id: 'pruned-clustered-ptq', from: prunedClustered, pipeline: 'ptq(mode=int8)' },
    { id: 'pruned-clustered-pcqat', from: prunedClustered, pipeline: `pcqat(${qat})` },
    {
      id: 'pruned-clustered-pcqat-int4',
      from: prunedClustered,
      pipeline: `pcqat(${qat}, weightBits=4)`,
    },
  ];
  const built: { id: string; graph: Graph; bytes: Uint8Array }[] = [];
  for (const l of leaves) {
    const graph = await run(l.from.clone(), l.pipeline);
    built.push({ id: l.id, graph, bytes: writeTflite(graph, { logger: silentLogger }) });
  }

  const lines: string[] = [];
  for (const { id, graph, bytes } of built) {
    const kernels = fileKernels(bytes);
    expect(kernels.size).toBe(4);
    let most = 0;
    for (const [name, { codes, type }] of kernels) {
      expect(type).toBe(id.endsWith('-int4') ? TensorType.INT4 : TensorType.INT8);
      const unique = new Set(codes).size;
      most = Math.max(most, unique);
      expect([name, unique <= K]).toEqual([name, true]);
      // pruned zeros are still zero in the file
      const node = graph.node(name.split('/')[0]!);
      const mask = node.weight('kernel').annotations.mask?.mask;
      if (id.startsWith('pruned') && mask) {
        const masked = mask.filter((v) => v === 0).length;
        expect(codes.filter((c) => c === 0).length).toBeGreaterThanOrEqual(masked);
      }
    }
    const samples = Array.from({ length: test.count }, (_, i) => [
      { data: test.x.subarray(i * 784, (i + 1) * 784), shape: [1, 28, 28, 1] },
    ]);
    const [r] = runTfInterpreter([{ model: bytes, samples }]);
    const tf = Float32Array.from(outputsOf(r, id).flatMap((s) => s[0]!.data));
    const [sim] = await engine.predict(
      graph,
      [tensor('float32', [test.count, 28, 28, 1], test.x)],
      {
        activationTransforms: [simulationTransform(graph)],
      },
    );
    const lsb =
      maxAbsError(tf, sim!.data as Float32Array) / paramsOfValue(graph.outputs[0]!)!.scale;
    lines.push(
      `${id}: max codes per kernel ${most}, raw ${bytes.length}, zip ${deflateSync(bytes).length}, |TFLite − IR sim| ${lsb.toFixed(2)} LSB`,
    );
    expect(lsb).toBeLessThanOrEqual(id.endsWith('-int4') ? 2.001 : 1.001);
  }
  console.log(lines.join('\n'));
  const zip = (id: string) => deflateSync(built.find((b) => b.id === id)!.bytes).length;
  // codebook-exact: the collaborative leaf is as small as PTQ of the same branch (index
  // re-assignment in fine-tuning moves the deflated size by about ±1%; before, CQAT was +2.4%)
  expect(zip('clustered-cqat')).toBeLessThanOrEqual(zip('clustered-ptq') * 1.02);
  expect(zip('pruned-clustered-pcqat')).toBeLessThanOrEqual(zip('pruned-clustered-ptq') * 1.02);
}, 600_000);
