// A Keras 3 functional model built by real Keras (TensorFlow 2.21 oracle): nested Sequential, a
// shared layer, two inputs and two outputs, and every supported layer class. We read Keras' own
// `to_json()` topology and weights, write a TF.js Layers model, and require tfjs-layers to predict
// what Keras predicted.
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { readKerasModel, writeKerasModel } from '@collabopt/format-keras';
import type { Graph } from '@collabopt/core';
import { runPython } from '../helpers/oracle';
import {
  loadArtifactsInTfjs,
  maxAbsDiff,
  predictEngine,
  predictTfjs,
  tfReady,
} from './tfjs-helpers';

interface IoCase {
  inputs: { shape: number[]; data: number[] }[];
  outputs: { shape: number[]; data: number[] }[];
}

describe('Keras 3 model written by Keras itself', () => {
  let dir: string;
  let graph: Graph;
  let io: IoCase;

  beforeAll(async () => {
    dir = mkdtempSync(path.join(os.tmpdir(), 'format-keras-k3-'));
    runPython(path.join(__dirname, 'keras3_model.py'), [dir]);
    const modelJson = JSON.parse(readFileSync(path.join(dir, 'model.json'), 'utf8')) as unknown;
    graph = await readKerasModel(
      modelJson,
      async (p) => new Uint8Array(readFileSync(path.join(dir, p))),
    );
    io = JSON.parse(readFileSync(path.join(dir, 'io.json'), 'utf8')) as IoCase;
  });

  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('reads the Keras 3 topology: nested Sequential inlined, shared layer per call, both inputs and outputs', () => {
    expect(graph.inputs.map((v) => v.name)).toEqual(['image', 'extra']);
    expect(graph.outputs.map((v) => v.name)).toEqual(['probs', 'swish']);
    expect(graph.node('dw').op).toBe('DepthwiseConv2D');
    expect(graph.node('sep').inputs[0]!.name).toBe('relu6');
    expect(graph.node('shared_1').inputs[0]!.name).toBe('proj');
    expect(graph.node('leaky').attrs).toEqual({ activation: 'leaky_relu', alpha: 0.2 });
    // The nested functional model called twice: one inlined copy per call.
    expect(graph.node('inner_dense').inputs[0]!.name).toBe('shared_1');
    expect(graph.node('inner_1/inner_dense').inputs[0]!.name).toBe('inner_dense');
  });

  it('runs in the collabopt engine with the outputs Keras computed', async () => {
    const inputs = io.inputs.map((i) => ({ shape: i.shape, data: Float32Array.from(i.data) }));
    const got = await predictEngine(graph, inputs);
    got.forEach((y, k) => expect(maxAbsDiff(y, io.outputs[k]!.data)).toBeLessThanOrEqual(1e-4));
  });

  it('exports a TF.js Layers model that tfjs-layers loads and that predicts what Keras predicted', async () => {
    const exported = writeKerasModel(graph, { shardSizeBytes: 2048 });
    expect(exported.shards.length).toBeGreaterThan(1);
    const model = await loadArtifactsInTfjs(exported);
    await tfReady();
    const inputs = io.inputs.map((i) => ({ shape: i.shape, data: Float32Array.from(i.data) }));
    const got = predictTfjs(model, inputs);
    expect(got.length).toBe(2);
    got.forEach((y, k) => expect(maxAbsDiff(y, io.outputs[k]!.data)).toBeLessThanOrEqual(1e-4));
  });
});
