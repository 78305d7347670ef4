// nsfwjs' second Layers model: a Keras 2.2.4 InceptionV3 (299×299, 318 layers, Concatenate branches,
// 'same' average pooling), uint8-quantized in six shards. And its third model, a TF.js graph model,
// which is not Keras and must be refused with a clear typed error.
import { CollaboptError } from '@collabopt/core';
import { KERAS_ERROR_CODES, readKerasModel, writeKerasModel } from '@collabopt/format-keras';
import {
  fashionImage,
  loadArtifactsInTfjs,
  loadInTfjs,
  loadNsfwjsModel,
  maxAbsDiff,
  predictEngine,
  predictTfjs,
  tfReady,
} from './tfjs-helpers';

describe('nsfwjs InceptionV3 (TF.js Layers, 6 uint8 shards)', () => {
  it('imports, runs in the engine like tfjs-layers, and re-exports a file tfjs-layers predicts the same with', async () => {
    const { modelJson, shards } = loadNsfwjsModel('inception_v3');
    expect(Object.keys(shards).length).toBe(6);
    const graph = await readKerasModel(modelJson, async (p) => shards[p]!);
    const layers = (
      modelJson['modelTopology'] as { model_config: { config: { layers: unknown[] } } }
    ).model_config.config.layers;
    expect(graph.nodes.length).toBe(layers.length);
    expect(graph.node('mixed0').op).toBe('Concat');
    expect(graph.node('average_pooling2d_1').attrs['padding']).toBe('same');

    const image = fashionImage(3, 299);
    const original = await loadInTfjs(modelJson, shards);
    await tfReady();
    const expected = predictTfjs(original, [image])[0]!;
    original.dispose();
    expect(maxAbsDiff((await predictEngine(graph, [image]))[0]!, expected)).toBeLessThanOrEqual(
      1e-4,
    );

    const exported = writeKerasModel(graph);
    expect(exported.shards.length).toBe(Math.ceil(exported.weightData.length / (4 * 1024 * 1024)));
    const reloaded = await loadArtifactsInTfjs(exported);
    await tfReady();
    expect(maxAbsDiff(predictTfjs(reloaded, [image])[0]!, expected)).toBeLessThanOrEqual(1e-6);
    reloaded.dispose();
  });

  it('refuses the TF.js graph model nsfwjs also ships, saying why', async () => {
    const { modelJson, shards } = loadNsfwjsModel('mobilenet_v2_mid');
    const e = await readKerasModel(modelJson, async (p) => shards[p]!).catch((err: unknown) => err);
    expect(e).toBeInstanceOf(CollaboptError);
    expect((e as CollaboptError).code).toBe(KERAS_ERROR_CODES.unsupported);
    expect((e as CollaboptError).message).toContain('graph-model');
  });
});
