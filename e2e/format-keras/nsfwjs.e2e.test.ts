// A Keras MobileNetV2 nobody here wrote: nsfwjs@4.4.0 ships it as a TF.js Layers model with
// uint8-quantized weights (Keras 2.2.4 topology). We import it, compare our weights and (through the
// engine) our outputs with @tensorflow/tfjs-layers, re-export it and re-load the export in tfjs-layers.
import { readKerasModel, writeKerasModel } from '@collabopt/format-keras';
import type { Graph } from '@collabopt/core';
import {
  fashionImage,
  loadArtifactsInTfjs,
  loadInTfjs,
  loadNsfwjsModel,
  maxAbsDiff,
  predictEngine,
  predictTfjs,
  tfReady,
  type tfl,
} from './tfjs-helpers';

const SLOT_OF: Record<string, string> = {
  kernel: 'kernel',
  depthwise_kernel: 'kernel',
  bias: 'bias',
  gamma: 'gamma',
  beta: 'beta',
  moving_mean: 'movingMean',
  moving_variance: 'movingVariance',
};

describe('nsfwjs MobileNetV2 (TF.js Layers, uint8-quantized)', () => {
  let graph: Graph;
  let original: tfl.LayersModel;
  let expected: Float32Array;
  const image = fashionImage(0, 224);

  beforeAll(async () => {
    const { modelJson, shards } = loadNsfwjsModel();
    graph = await readKerasModel(modelJson, async (p) => {
      const s = shards[p];
      if (s === undefined) throw new Error(`no shard ${p}`);
      return s;
    });
    original = await loadInTfjs(modelJson, shards);
    await tfReady();
    expected = predictTfjs(original, [image])[0]!;
  });

  it('imports every layer with the Keras names and the expected ops', () => {
    // One IR node per Keras layer, op chosen by class (counted from the file itself).
    const { modelJson } = loadNsfwjsModel();
    const layers = (
      modelJson['modelTopology'] as {
        model_config: { config: { layers: { class_name: string; name: string }[] } };
      }
    ).model_config.config.layers;
    const OP_OF: Record<string, string> = {
      InputLayer: 'Input',
      ZeroPadding2D: 'Pad',
      Conv2D: 'Conv2D',
      BatchNormalization: 'BatchNorm',
      ReLU: 'Activation',
      DepthwiseConv2D: 'DepthwiseConv2D',
      Add: 'Add',
      AveragePooling2D: 'AvgPool2D',
      Flatten: 'Flatten',
      Dense: 'Dense',
      Dropout: 'Dropout',
    };
    expect(graph.nodes.length).toBe(layers.length);
    for (const l of layers)
      expect([l.name, graph.node(l.name).op]).toEqual([l.name, OP_OF[l.class_name]]);
    expect(graph.node('Conv1_relu').attrs).toEqual({ activation: 'relu6' });
    expect(graph.node('dense_3').attrs).toEqual({ units: 5, activation: 'softmax', useBias: true });
    expect(graph.outputs[0]!.shape).toEqual([-1, 5]);
  });

  it('dequantizes every uint8 weight exactly as tfjs-layers does', () => {
    let compared = 0;
    for (const layer of original.layers) {
      for (const w of layer.weights) {
        const [layerName, kerasName] = w.originalName.split('/') as [string, string];
        const ours = graph.node(layerName).weight(SLOT_OF[kerasName]!).tensor;
        const theirs = w.read().dataSync();
        expect(ours.shape).toEqual(w.shape);
        expect(maxAbsDiff(ours.data as Float32Array, theirs)).toBe(0);
        compared++;
      }
    }
    const { modelJson } = loadNsfwjsModel();
    expect(compared).toBe(
      (modelJson['weightsManifest'] as { weights: unknown[] }[])[0]!.weights.length,
    );
  });

  it('runs in the collabopt engine with the outputs tfjs-layers computes (max abs diff ≤ 1e-4)', async () => {
    const ours = (await predictEngine(graph, [image]))[0]!;
    expect(ours.length).toBe(5);
    expect(maxAbsDiff(ours, expected)).toBeLessThanOrEqual(1e-4);
  });

  it('re-exports a model.json + shards that tfjs-layers loads and that predicts the same', async () => {
    const exported = writeKerasModel(graph);
    expect(exported.shards.length).toBe(Math.ceil(exported.weightData.length / (4 * 1024 * 1024)));
    const reloaded = await loadArtifactsInTfjs(exported);
    await tfReady();
    const got = predictTfjs(reloaded, [image])[0]!;
    expect(maxAbsDiff(got, expected)).toBeLessThanOrEqual(1e-6);

    // And our own re-import of the export is the same IR.
    const shards = Object.fromEntries(exported.shards.map((s) => [s.path, s.bytes]));
    const again = await readKerasModel(
      JSON.parse(JSON.stringify(exported.modelJson)),
      async (p) => shards[p]!,
    );
    expect(again.nodes.map((n) => n.name)).toEqual(graph.nodes.map((n) => n.name));
    expect(maxAbsDiff((await predictEngine(again, [image]))[0]!, expected)).toBeLessThanOrEqual(
      1e-4,
    );
  });
});
