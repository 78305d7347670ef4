// Models saved by TF.js itself (`model.save()`): a Sequential and a functional model with shared
// layers. Our reader must accept TF.js' own serialisation; our writer's file must predict the same.
import { readKerasModel, writeKerasModel } from '@collabopt/format-keras';
import {
  loadArtifactsInTfjs,
  maxAbsDiff,
  predictEngine,
  predictTfjs,
  tf,
  tfl,
  tfReady,
} from './tfjs-helpers';

async function saveInMemory(
  model: tfl.LayersModel,
): Promise<{ json: Record<string, unknown>; shards: Record<string, Uint8Array> }> {
  let captured: tf.io.ModelArtifacts | undefined;
  await model.save(
    tf.io.withSaveHandler(async (artifacts) => {
      captured = artifacts;
      return { modelArtifactsInfo: { dateSaved: new Date(), modelTopologyType: 'JSON' } };
    }),
  );
  const a = captured!;
  const data = a.weightData as ArrayBuffer;
  return {
    json: {
      format: 'layers-model',
      modelTopology: a.modelTopology,
      weightsManifest: [{ paths: ['w.bin'], weights: a.weightSpecs }],
      ...(a.userDefinedMetadata ? { userDefinedMetadata: a.userDefinedMetadata } : {}),
    },
    shards: { 'w.bin': new Uint8Array(data) },
  };
}

function randomInput(shape: number[], seed: number): { shape: number[]; data: Float32Array } {
  let s = seed;
  const data = new Float32Array(shape.reduce((a, b) => a * b, 1)).map(() => {
    s = (s * 1103515245 + 12345) % 2 ** 31;
    return (s / 2 ** 31) * 2 - 1;
  });
  return { shape, data };
}

describe('models saved by TF.js model.save()', () => {
  beforeAll(() => tfReady());

  it('reads a TF.js Sequential and writes a file that predicts the same', async () => {
    const model = tfl.sequential({
      layers: [
        tfl.layers.conv2d({
          inputShape: [10, 10, 2],
          filters: 4,
          kernelSize: 3,
          padding: 'same',
          activation: 'relu',
          name: 'c1',
        }),
        tfl.layers.batchNormalization({ name: 'bn' }),
        tfl.layers.maxPooling2d({ poolSize: 2, name: 'mp' }),
        tfl.layers.separableConv2d({
          filters: 3,
          kernelSize: 3,
          name: 'sep',
          activation: 'hardSigmoid',
        }),
        tfl.layers.flatten({ name: 'flat' }),
        tfl.layers.dense({ units: 5, activation: 'softmax', name: 'out' }),
      ],
    });
    // Non-trivial batch-norm statistics.
    const bn = model.getLayer('bn');
    bn.setWeights(
      bn
        .getWeights()
        .map((w, i) => tf.randomUniform(w.shape, i === 3 ? 0.5 : -0.5, 1.5, 'float32', 11 + i)),
    );
    const { json, shards } = await saveInMemory(model);
    const graph = await readKerasModel(json, async (p) => shards[p]!);
    // TF.js' hard_sigmoid is clip(0.2x + 0.5): not the IR's fused default, so it becomes its own node.
    expect(graph.node('sep').attrs['activation']).toBe('linear');
    expect(graph.node('sep_activation').attrs).toEqual({
      activation: 'hard_sigmoid',
      alpha: 0.2,
      beta: 0.5,
    });
    const x = randomInput([3, 10, 10, 2], 5);
    const expected = predictTfjs(model, [x])[0]!;
    expect(maxAbsDiff((await predictEngine(graph, [x]))[0]!, expected)).toBeLessThanOrEqual(1e-4);
    const again = await loadArtifactsInTfjs(writeKerasModel(graph));
    expect(maxAbsDiff(predictTfjs(again, [x])[0]!, expected)).toBeLessThanOrEqual(1e-5);
  });

  it('reads a TF.js functional model with a shared layer and two outputs', async () => {
    const a = tfl.input({ shape: [6], name: 'a' });
    const b = tfl.input({ shape: [6], name: 'b' });
    const shared = tfl.layers.dense({ units: 4, activation: 'tanh', name: 'shared' });
    const sa = shared.apply(a) as tfl.SymbolicTensor;
    const sb = shared.apply(b) as tfl.SymbolicTensor;
    const sum = tfl.layers.add({ name: 'sum' }).apply([sa, sb]) as tfl.SymbolicTensor;
    const cat = tfl.layers.concatenate({ name: 'cat' }).apply([sa, sum]) as tfl.SymbolicTensor;
    const out2 = tfl.layers
      .leakyReLU({ alpha: 0.05, name: 'leaky' })
      .apply(tfl.layers.multiply({ name: 'mul' }).apply([sa, sb]) as tfl.SymbolicTensor);
    const model = tfl.model({
      inputs: [a, b],
      outputs: [cat, out2 as tfl.SymbolicTensor],
      name: 'fn',
    });
    const { json, shards } = await saveInMemory(model);
    const graph = await readKerasModel(json, async (p) => shards[p]!);
    expect(graph.node('shared_1').inputs[0]!.name).toBe('b');
    const xs = [randomInput([2, 6], 1), randomInput([2, 6], 2)];
    const expected = predictTfjs(model, xs);
    (await predictEngine(graph, xs)).forEach((y, i) =>
      expect(maxAbsDiff(y, expected[i]!)).toBeLessThanOrEqual(1e-5),
    );
    const got = predictTfjs(await loadArtifactsInTfjs(writeKerasModel(graph)), xs);
    got.forEach((y, i) => expect(maxAbsDiff(y, expected[i]!)).toBeLessThanOrEqual(1e-6));
  });
});

describe('annotations through tfjs-layers', () => {
  beforeAll(() => tfReady());

  it('keeps masks and codebooks in userDefinedMetadata across a tfjs-layers load and save', async () => {
    const { GraphBuilder } = await import('@collabopt/core');
    const b = new GraphBuilder('annotated', { seed: 4 });
    const y = b.layer('Dense', 'd', b.input('x', [-1, 8]), { units: 4 });
    const graph = b.build(y);
    const w = graph.node('d').weight('kernel');
    const data = w.tensor.data as Float32Array;
    const centroids = new Float32Array([0, -0.5, 0.5]);
    const indices = new Uint8Array(data.length).map((_, i) =>
      i % 4 === 0 ? 0 : i % 2 === 0 ? 1 : 2,
    );
    indices.forEach((k, i) => (data[i] = centroids[k]!));
    w.annotations.mask = { mask: indices.map((k) => (k === 0 ? 0 : 1)) };
    w.annotations.codebook = { centroids, indices, clusters: 3 };

    const model = await loadArtifactsInTfjs(writeKerasModel(graph));
    expect(Object.keys(model.getUserDefinedMetadata() ?? {})).toEqual(['collabopt']);
    const resaved = await saveInMemory(model);
    // TF.js' own save carries the metadata along.
    expect(resaved.json['userDefinedMetadata']).toEqual(model.getUserDefinedMetadata());
    const back = await readKerasModel(resaved.json, async (p) => resaved.shards[p]!);
    const ann = back.node('d').weight('kernel').annotations;
    expect(ann.mask).toEqual(w.annotations.mask);
    expect(ann.codebook).toEqual(w.annotations.codebook);
  });
});
