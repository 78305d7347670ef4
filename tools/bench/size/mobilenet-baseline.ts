import * as path from 'node:path';
import { readModel, type Graph } from '@collabopt/core';
import { prepareOutput } from '@collabopt/preserve';

/**
 * The Keras-trained MobileNet-v1-style model (e2e/helpers/keras-mobilenet.ts wrote `model.json`
 * into `modelDir`) as the tree starts from it: read, then legalized for int8 TFLite (the softmax
 * leaves the Dense head) with a probe file in `modelDir`. The TF.js Layers and TFLite formats must
 * be registered.
 */
export async function legalizedKerasMobilenet(modelDir: string): Promise<Graph> {
  const graph = await readModel(path.join(modelDir, 'model.json'));
  await prepareOutput(graph, path.join(modelDir, 'probe.tflite'), {
    format: 'tflite',
    pipeline: 'ptq(mode=int8)',
  });
  return graph;
}
