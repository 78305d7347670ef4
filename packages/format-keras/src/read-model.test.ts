import { readFileSync } from 'node:fs';
import * as path from 'node:path';
import { CollaboptError } from '@collabopt/core';
import { KERAS_ERROR_CODES } from './errors';
import { readKerasModel } from './read-model';
import { encodeWeights } from './weights-manifest';

const keras3Fixture = (): unknown =>
  JSON.parse(
    readFileSync(path.join(__dirname, '..', 'test', 'fixtures', 'keras3-functional.json'), 'utf8'),
  );

/** A Keras 2 Sequential as `tensorflowjs_converter` writes it (model_config wrapper, batch_input_shape). */
function keras2Sequential(layers: unknown[]): Record<string, unknown> {
  return {
    modelTopology: {
      keras_version: '2.2.4',
      backend: 'tensorflow',
      model_config: { class_name: 'Sequential', config: { name: 'seq', layers } },
    },
  };
}

function withWeights(
  json: Record<string, unknown>,
  weights: Record<string, { shape: number[]; data: number[] }>,
): {
  json: Record<string, unknown>;
  shards: Record<string, Uint8Array>;
} {
  const enc = encodeWeights(
    Object.entries(weights).map(([name, w]) => ({
      name,
      tensor: { dtype: 'float32' as const, shape: w.shape, data: Float32Array.from(w.data) },
    })),
  );
  return {
    json: { ...json, weightsManifest: [{ paths: ['group1-shard1of1.bin'], weights: enc.specs }] },
    shards: { 'group1-shard1of1.bin': enc.data },
  };
}

async function errorOf(p: Promise<unknown>): Promise<CollaboptError> {
  const e = await p.then(
    () => undefined,
    (err: unknown) => err,
  );
  expect(e).toBeInstanceOf(CollaboptError);
  return e as CollaboptError;
}

const dense = (name: string, units: number, extra: Record<string, unknown> = {}): unknown => ({
  class_name: 'Dense',
  config: { name, units, activation: 'linear', use_bias: true, ...extra },
});

describe('readKerasModel: Keras 2 / TF.js topologies', () => {
  it('reads a Sequential with batch_input_shape on its first layer and maps weights by layer name', async () => {
    const { json, shards } = withWeights(
      keras2Sequential([
        dense('d1', 2, { batch_input_shape: [null, 3], activation: 'relu' }),
        { class_name: 'Softmax', config: { name: 'sm', axis: -1 } },
      ]),
      {
        'd1/kernel': { shape: [3, 2], data: [1, 2, 3, 4, 5, 6] },
        'd1/bias': { shape: [2], data: [0.5, -0.5] },
      },
    );
    const g = await readKerasModel(json, async (p) => shards[p]!);
    expect(g.name).toBe('seq');
    expect(g.inputs.map((v) => [v.name, v.shape])).toEqual([['d1_input', [-1, 3]]]);
    const d1 = g.node('d1');
    expect(d1.op).toBe('Dense');
    expect(d1.attrs).toEqual({ units: 2, activation: 'relu', useBias: true });
    expect(Array.from(d1.weight('kernel').tensor.data as Float32Array)).toEqual([1, 2, 3, 4, 5, 6]);
    expect(g.node('sm').op).toBe('Softmax');
    expect(g.outputs.map((v) => v.shape)).toEqual([[-1, 2]]);
  });

  it('takes the input shape of a Sequential from build_input_shape when no layer declares one', async () => {
    const g = await readKerasModel({
      class_name: 'Sequential',
      config: { name: 's', layers: [dense('d', 2)], build_input_shape: [null, 7] },
      keras_version: '2.15.0',
    });
    expect(g.inputs.map((v) => [v.name, v.shape])).toEqual([['d_input', [-1, 7]]]);
  });

  it('maps conv, pooling, padding, activation layers and their options', async () => {
    const g = await readKerasModel(
      keras2Sequential([
        {
          class_name: 'InputLayer',
          config: { name: 'in', batch_input_shape: [null, 8, 8, 2], dtype: 'float32' },
        },
        {
          class_name: 'ZeroPadding2D',
          config: {
            name: 'pad',
            padding: [
              [0, 1],
              [0, 1],
            ],
            data_format: 'channels_last',
          },
        },
        {
          class_name: 'Conv2D',
          config: {
            name: 'c',
            filters: 4,
            kernel_size: [3, 3],
            strides: [2, 2],
            padding: 'valid',
            dilation_rate: [1, 1],
            activation: 'relu6',
            use_bias: false,
          },
        },
        {
          class_name: 'ReLU',
          config: { name: 'r6', max_value: 6, negative_slope: 0, threshold: 0 },
        },
        { class_name: 'LeakyReLU', config: { name: 'lk', alpha: 0.1 } },
        { class_name: 'ReLU', config: { name: 'lk2', max_value: null, negative_slope: 0.25 } },
        {
          class_name: 'DepthwiseConv2D',
          config: {
            name: 'dw',
            kernel_size: 3,
            depth_multiplier: 2,
            padding: 'same',
            activation: 'linear',
            use_bias: true,
          },
        },
        {
          class_name: 'SeparableConv2D',
          config: { name: 'sep', filters: 3, kernel_size: [1, 1], padding: 'same', use_bias: true },
        },
        {
          class_name: 'Conv2DTranspose',
          config: { name: 'up', filters: 2, kernel_size: [2, 2], strides: [2, 2], padding: 'same' },
        },
        {
          class_name: 'UpSampling2D',
          config: { name: 'us', size: [2, 2], interpolation: 'nearest' },
        },
        {
          class_name: 'MaxPooling2D',
          config: { name: 'mp', pool_size: [2, 2], strides: null, padding: 'valid' },
        },
        {
          class_name: 'AveragePooling2D',
          config: { name: 'ap', pool_size: [2, 2], strides: [1, 1], padding: 'same' },
        },
        {
          class_name: 'BatchNormalization',
          config: { name: 'bn', axis: 3, epsilon: 1e-5, momentum: 0.9, center: true, scale: false },
        },
        { class_name: 'LayerNormalization', config: { name: 'ln', axis: [-1], epsilon: 1e-6 } },
        { class_name: 'Activation', config: { name: 'hs', activation: 'hard_sigmoid' } },
        { class_name: 'GlobalMaxPooling2D', config: { name: 'gmp' } },
        { class_name: 'Reshape', config: { name: 'rs', target_shape: [1, 2] } },
        { class_name: 'Flatten', config: { name: 'fl' } },
        { class_name: 'Dropout', config: { name: 'do', rate: 0.3 } },
      ]),
    );
    expect(g.node('pad').attrs).toEqual({
      padding: [
        [0, 1],
        [0, 1],
      ],
    });
    expect(g.node('c').attrs).toEqual({
      filters: 4,
      kernelSize: [3, 3],
      strides: [2, 2],
      padding: 'valid',
      dilations: [1, 1],
      activation: 'relu6',
      useBias: false,
    });
    expect(g.node('r6').attrs).toEqual({ activation: 'relu6' });
    expect(g.node('lk').attrs).toEqual({ activation: 'leaky_relu', alpha: 0.1 });
    expect(g.node('lk2').attrs).toEqual({ activation: 'leaky_relu', alpha: 0.25 });
    expect(g.node('dw').attrs['kernelSize']).toEqual([3, 3]);
    expect(g.node('dw').weight('kernel').tensor.shape).toEqual([3, 3, 4, 2]);
    expect(g.node('sep').weight('pointwiseKernel').tensor.shape).toEqual([1, 1, 8, 3]);
    expect(g.node('up').weight('kernel').tensor.shape).toEqual([2, 2, 2, 3]);
    expect(g.node('us').op).toBe('Upsample2D');
    expect(g.node('mp').attrs['strides']).toEqual([2, 2]);
    expect(g.node('bn').attrs).toEqual({
      axis: 3,
      epsilon: 1e-5,
      momentum: 0.9,
      center: true,
      scale: false,
    });
    expect(Object.keys(g.node('bn').weights).sort()).toEqual([
      'beta',
      'movingMean',
      'movingVariance',
    ]);
    expect(g.node('ln').attrs['axis']).toEqual([-1]);
    // Keras 2 hard_sigmoid is clip(0.2x + 0.5, 0, 1)
    expect(g.node('hs').attrs).toEqual({ activation: 'hard_sigmoid', alpha: 0.2, beta: 0.5 });
    expect(g.outputs[0]!.shape).toEqual([-1, 2]);
    expect((g.metadata['keras'] as { topologyOnly: boolean }).topologyOnly).toBe(true);
  });

  it('reads a functional model with shared layers, nested Sequential, several inputs and outputs (Keras 3)', async () => {
    const g = await readKerasModel(keras3Fixture());
    expect(g.name).toBe('k3model');
    expect(g.inputs.map((v) => v.name)).toEqual(['image', 'extra']);
    expect(g.outputs.map((v) => v.name)).toEqual(['probs', 'leaky']);
    // The nested Sequential is inlined with its layer names; the shared Dense becomes one node per call.
    expect(g.node('dw').inputs[0]!.name).toBe('conv');
    expect(g.node('relu6').attrs).toEqual({ activation: 'relu6' });
    expect(g.node('shared').inputs[0]!.name).toBe('gap');
    expect(g.node('shared_1').inputs[0]!.name).toBe('extra');
    expect(g.node('sum').inputs.map((v) => v.name)).toEqual(['shared', 'shared_1']);
    expect(g.node('leaky').attrs).toEqual({ activation: 'leaky_relu', alpha: 0.1 });
    expect(g.node('conv').attrs['activation']).toBe('relu');
    expect((g.metadata['keras'] as { generation: number }).generation).toBe(3);
  });

  it('inlines a nested functional model once per call', async () => {
    const nested = JSON.parse(
      readFileSync(
        path.join(__dirname, '..', 'test', 'fixtures', 'keras3-nested-functional.json'),
        'utf8',
      ),
    ) as unknown;
    const g = await readKerasModel(nested);
    expect(g.nodes.map((n) => n.name)).toEqual([
      'x',
      'pre',
      'inner_dense',
      'inner_1/inner_dense',
      'cat',
    ]);
    expect(g.node('inner_dense').inputs[0]!.name).toBe('x');
    expect(g.node('inner_1/inner_dense').inputs[0]!.name).toBe('pre');
    expect(g.node('cat').inputs.map((v) => v.name)).toEqual(['inner_dense', 'inner_1/inner_dense']);
  });

  it('reads Keras 3 weights given under their variable paths', async () => {
    const fixture = keras3Fixture();
    const init = await readKerasModel(fixture);
    const weights: Record<string, { shape: number[]; data: number[] }> = {};
    const kerasNames: Record<string, string> = {
      kernel: 'kernel',
      bias: 'bias',
      gamma: 'gamma',
      beta: 'beta',
      movingMean: 'moving_mean',
      movingVariance: 'moving_variance',
    };
    for (const n of init.nodes) {
      if (n.name === 'shared_1') continue;
      for (const [slot, w] of Object.entries(n.weights)) {
        const kname =
          n.op === 'DepthwiseConv2D' && slot === 'kernel' ? 'depthwise_kernel' : kerasNames[slot]!;
        const prefix = ['dw', 'bn'].includes(n.name) ? 'block/' : '';
        weights[`${prefix}${n.name}/${kname}`] = {
          shape: [...w.tensor.shape],
          data: Array.from(w.tensor.data as Float32Array, (_, i) => i / 100),
        };
      }
    }
    const { json, shards } = withWeights({ modelTopology: fixture }, weights);
    const g = await readKerasModel(json, async (p) => shards[p]!);
    expect((g.node('dw').weight('kernel').tensor.data as Float32Array)[3]).toBeCloseTo(0.03);
    // A shared layer's calls get equal but independent copies (the IR has no weight sharing).
    expect(g.node('shared_1').weight('kernel').tensor).toEqual(
      g.node('shared').weight('kernel').tensor,
    );
    expect(g.node('shared_1').weight('kernel').tensor).not.toBe(
      g.node('shared').weight('kernel').tensor,
    );
  });
});

describe('readKerasModel: errors', () => {
  it('names the layer, its class and how to register an unknown layer', async () => {
    const e = await errorOf(
      readKerasModel(
        keras2Sequential([
          { class_name: 'Lambda', config: { name: 'fn', batch_input_shape: [null, 3] } },
        ]),
      ),
    );
    expect(e.code).toBe(KERAS_ERROR_CODES.unknownLayer);
    expect(e.message).toContain('"fn"');
    expect(e.message).toContain('"Lambda"');
    expect(e.message).toContain('registerKerasLayer');
    expect(e.location.node).toBe('fn');
  });

  it('rejects channels_first clearly', async () => {
    const e = await errorOf(
      readKerasModel(
        keras2Sequential([
          {
            class_name: 'Conv2D',
            config: {
              name: 'c',
              filters: 1,
              kernel_size: 1,
              data_format: 'channels_first',
              batch_input_shape: [null, 1, 4, 4],
            },
          },
        ]),
      ),
    );
    expect(e.code).toBe(KERAS_ERROR_CODES.unsupported);
    expect(e.message).toContain('channels_first');
  });

  it('reports manifest/topology mismatches: missing, mis-shaped and unused weights', async () => {
    const model = keras2Sequential([dense('d', 2, { batch_input_shape: [null, 3] })]);
    const missing = withWeights(model, { 'd/kernel': { shape: [3, 2], data: [1, 2, 3, 4, 5, 6] } });
    expect(
      (await errorOf(readKerasModel(missing.json, async (p) => missing.shards[p]!))).code,
    ).toBe(KERAS_ERROR_CODES.manifestMismatch);
    const shaped = withWeights(model, {
      'd/kernel': { shape: [2, 3], data: [1, 2, 3, 4, 5, 6] },
      'd/bias': { shape: [2], data: [0, 0] },
    });
    const e = await errorOf(readKerasModel(shaped.json, async (p) => shaped.shards[p]!));
    expect(e.code).toBe(KERAS_ERROR_CODES.manifestMismatch);
    expect(e.message).toContain('[3, 2]');
    const extra = withWeights(model, {
      'd/kernel': { shape: [3, 2], data: [1, 2, 3, 4, 5, 6] },
      'd/bias': { shape: [2], data: [0, 0] },
      'ghost/kernel': { shape: [1], data: [0] },
    });
    expect(
      (await errorOf(readKerasModel(extra.json, async (p) => extra.shards[p]!))).message,
    ).toContain('ghost/kernel');
  });

  it('rejects bad JSON, graph models and broken references', async () => {
    expect((await errorOf(readKerasModel('{"modelTopology": '))).code).toBe(
      KERAS_ERROR_CODES.badJson,
    );
    expect((await errorOf(readKerasModel({ format: 'graph-model', modelTopology: {} }))).code).toBe(
      KERAS_ERROR_CODES.unsupported,
    );
    expect((await errorOf(readKerasModel({ hello: 1 }))).code).toBe(KERAS_ERROR_CODES.badJson);
    const fixture = keras3Fixture() as {
      config: { layers: { name: string; inbound_nodes: unknown }[] };
    };
    fixture.config.layers.find((l) => l.name === 'gap')!.inbound_nodes = [[['nowhere', 0, 0, {}]]];
    const e = await errorOf(readKerasModel(fixture));
    expect(e.code).toBe(KERAS_ERROR_CODES.badTopology);
    expect(e.message).toContain('nowhere');
  });

  it('requires a shard reader when the model lists shards', async () => {
    const { json } = withWeights(
      keras2Sequential([dense('d', 1, { batch_input_shape: [null, 1] })]),
      {
        'd/kernel': { shape: [1, 1], data: [1] },
        'd/bias': { shape: [1], data: [0] },
      },
    );
    expect((await errorOf(readKerasModel(json))).code).toBe(KERAS_ERROR_CODES.missingShard);
  });
});
