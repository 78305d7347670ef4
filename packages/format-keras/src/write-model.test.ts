import { CollaboptError, GraphBuilder, type Graph } from '@collabopt/core';
import { KERAS_ERROR_CODES } from './errors';
import { readKerasModel } from './read-model';
import { writeKerasModel, type KerasArtifacts } from './write-model';

function smallCnn(): Graph {
  const b = new GraphBuilder('cnn', { seed: 3 });
  const x = b.input('pixels', [-1, 8, 8, 1]);
  let h = b.layer('Conv2D', 'conv1', x, {
    filters: 4,
    kernelSize: [3, 3],
    padding: 'same',
    activation: 'relu',
  });
  h = b.layer('BatchNorm', 'bn1', h);
  h = b.layer('MaxPool2D', 'pool1', h, { poolSize: [2, 2] });
  h = b.layer('Flatten', 'flat', h);
  h = b.layer('Dense', 'logits', h, { units: 3 });
  return b.build(h);
}

function reader(a: KerasArtifacts): (p: string) => Promise<Uint8Array> {
  return async (p) => {
    const s = a.shards.find((f) => f.path === p);
    if (!s) throw new Error(`no ${p}`);
    return s.bytes;
  };
}

describe('writeKerasModel', () => {
  it('writes a functional Layers model whose re-import equals the IR', async () => {
    const g = smallCnn();
    const a = writeKerasModel(g);
    expect(a.modelJson.format).toBe('layers-model');
    expect(a.shards.map((s) => s.path)).toEqual(['group1-shard1of1.bin']);
    const topo = a.modelJson.modelTopology as {
      config: { layers: { class_name: string; name: string }[] };
    };
    expect(topo.config.layers.map((l) => `${l.class_name}:${l.name}`)).toEqual([
      'InputLayer:pixels',
      'Conv2D:conv1',
      'BatchNormalization:bn1',
      'MaxPooling2D:pool1',
      'Flatten:flat',
      'Dense:logits',
    ]);
    expect(a.weightSpecs.map((w) => w.name)).toEqual([
      'conv1/kernel',
      'conv1/bias',
      'bn1/gamma',
      'bn1/beta',
      'bn1/moving_mean',
      'bn1/moving_variance',
      'logits/kernel',
      'logits/bias',
    ]);
    const back = await readKerasModel(JSON.parse(JSON.stringify(a.modelJson)), reader(a));
    expect(back.nodes.map((n) => [n.name, n.op])).toEqual(g.nodes.map((n) => [n.name, n.op]));
    for (const n of g.nodes) {
      const m = back.node(n.name);
      expect(m.attrs).toEqual(
        expect.objectContaining(
          Object.fromEntries(Object.entries(n.attrs).filter(([k]) => k !== 'strides')),
        ),
      );
      for (const [slot, w] of Object.entries(n.weights))
        expect(m.weight(slot).tensor).toEqual(w.tensor);
    }
  });

  it('splits the weights into shards of the requested size', async () => {
    const g = smallCnn();
    const a = writeKerasModel(g, { shardSizeBytes: 100 });
    const total = a.weightData.length;
    expect(a.shards.length).toBe(Math.ceil(total / 100));
    expect(a.shards[0]!.path).toBe(`group1-shard1of${a.shards.length}.bin`);
    expect(
      a.shards.every(
        (s, i) => s.bytes.length === (i < a.shards.length - 1 ? 100 : total - 100 * i),
      ),
    ).toBe(true);
    const back = await readKerasModel(a.modelJson, reader(a));
    expect(back.node('logits').weight('kernel').tensor).toEqual(
      g.node('logits').weight('kernel').tensor,
    );
  });

  it('keeps masks, codebooks, quant parameters and ranges through userDefinedMetadata', async () => {
    const g = smallCnn();
    const kernel = g.node('logits').weight('kernel');
    const data = kernel.tensor.data as Float32Array;
    const centroids = new Float32Array([0, -0.25, 0.25]);
    const indices = new Uint8Array(data.length);
    const mask = new Uint8Array(data.length);
    for (let i = 0; i < data.length; i++) {
      indices[i] = i % 3 === 0 ? 0 : data[i]! < 0 ? 1 : 2;
      data[i] = centroids[indices[i]!]!;
      mask[i] = indices[i] === 0 ? 0 : 1;
    }
    kernel.annotations.mask = { mask, structure: { kind: 'unstructured' }, targetSparsity: 0.33 };
    kernel.annotations.codebook = { centroids, indices, clusters: 3, zeroCentroid: [0] };
    kernel.annotations.quant = {
      dtype: 'int8',
      scale: new Float32Array([0.25]),
      zeroPoint: new Int32Array([0]),
      bits: 8,
      narrowRange: true,
    };
    g.node('conv1').output.annotations.range = { min: 0, max: 5.5, source: 'calibration:minmax' };
    g.metadata['quantization'] = { mode: 'int8' };
    const a = writeKerasModel(g);
    expect(a.modelJson.userDefinedMetadata).toBeDefined();
    const back = await readKerasModel(JSON.parse(JSON.stringify(a.modelJson)), reader(a));
    const ann = back.node('logits').weight('kernel').annotations;
    expect(ann.mask).toEqual(kernel.annotations.mask);
    expect(ann.codebook).toEqual(kernel.annotations.codebook);
    expect(ann.quant).toEqual(kernel.annotations.quant);
    expect(back.node('conv1').output.annotations.range).toEqual({
      min: 0,
      max: 5.5,
      source: 'calibration:minmax',
    });
    expect(back.metadata['quantization']).toEqual({ mode: 'int8' });
  });

  it('keeps the zeros of a masked weight under uint8 weight quantization, and drops what no longer holds', async () => {
    const g = smallCnn();
    const w = g.node('conv1').weight('kernel');
    const data = w.tensor.data as Float32Array;
    const mask = new Uint8Array(data.length).map((_, i) => (i % 2 === 0 ? 0 : 1));
    mask.forEach((m, i) => {
      if (m === 0) data[i] = 0;
    });
    w.annotations.mask = { mask };
    w.annotations.codebook = {
      centroids: new Float32Array([0.123456]),
      indices: new Uint8Array(data.length),
      clusters: 1,
    };
    const a = writeKerasModel(g, { weightQuantization: 'uint8' });
    expect(a.weightSpecs[0]!.quantization?.dtype).toBe('uint8');
    const back = await readKerasModel(a.modelJson, reader(a));
    const ann = back.node('conv1').weight('kernel').annotations;
    expect(ann.mask?.mask).toEqual(mask);
    expect(ann.codebook).toBeUndefined();
    const warnings = (back.metadata['keras'] as { warnings: string[] }).warnings;
    expect(warnings.some((m) => m.includes('codebook annotation of "conv1/kernel" dropped'))).toBe(
      true,
    );
  });

  it('writes fused activations TF.js lacks and keepDims pooling as helper layers', async () => {
    const b = new GraphBuilder('m', { seed: 1 });
    const x = b.input('x', [-1, 4, 4, 2]);
    const c = b.layer('Conv2D', 'c', x, {
      filters: 2,
      kernelSize: [1, 1],
      activation: 'leaky_relu',
    });
    const s = b.layer('Add', 'sum', [c, x], { activation: 'relu' });
    const p = b.layer('GlobalAvgPool', 'gap', s, { keepDims: true });
    const a = writeKerasModel(b.build(p));
    const names = (
      a.modelJson.modelTopology as { config: { layers: { class_name: string; name: string }[] } }
    ).config.layers.map((l) => `${l.class_name}:${l.name}`);
    expect(names).toEqual([
      'InputLayer:x',
      'Conv2D:c',
      'LeakyReLU:c_activation',
      'Add:sum',
      'Activation:sum_activation',
      'GlobalAveragePooling2D:gap',
      'Reshape:gap_keepdims',
    ]);
    const back = await readKerasModel(a.modelJson, reader(a));
    expect(back.outputs[0]!.shape).toEqual([-1, 1, 1, 2]);
  });

  it('writes Sub (TF.js has no Subtract layer) as Add of an exact negation', async () => {
    const b = new GraphBuilder('m', { seed: 1 });
    const x = b.input('x', [-1, 2, 2, 3]);
    const y = b.input('y', [-1, 3]);
    const d4 = b.layer('Sub', 'd4', [x, x]);
    const g = b.layer('GlobalMaxPool', 'g', d4);
    const d2 = b.layer('Sub', 'd2', [g, y]);
    const a = writeKerasModel(b.build(d2));
    const layers = (
      a.modelJson.modelTopology as {
        config: { layers: { class_name: string; name: string; inbound_nodes: unknown }[] };
      }
    ).config.layers;
    expect(layers.map((l) => `${l.class_name}:${l.name}`)).toEqual([
      'InputLayer:x',
      'InputLayer:y',
      'DepthwiseConv2D:d4_negate',
      'Add:d4',
      'GlobalMaxPooling2D:g',
      'Dense:d2_negate',
      'Add:d2',
    ]);
    expect(layers[3]!.inbound_nodes).toEqual([
      [
        ['x', 0, 0, {}],
        ['d4_negate', 0, 0, {}],
      ],
    ]);
    const back = await readKerasModel(a.modelJson, reader(a));
    expect(Array.from(back.node('d2_negate').weight('kernel').tensor.data as Float32Array)).toEqual(
      [-1, 0, 0, 0, -1, 0, 0, 0, -1],
    );
  });

  it('refuses ops and options TF.js Layers cannot express, naming the node', () => {
    const b = new GraphBuilder('m');
    const x = b.input('x', [-1, 4, 4, 2]);
    const m = b.layer('Mean', 'avg', x, { axes: [1] });
    let e: unknown;
    try {
      writeKerasModel(b.build(m));
    } catch (err) {
      e = err;
    }
    expect(e).toBeInstanceOf(CollaboptError);
    expect((e as CollaboptError).code).toBe(KERAS_ERROR_CODES.unsupported);
    expect((e as CollaboptError).location.node).toBe('avg');

    const b2 = new GraphBuilder('m');
    const y = b2.layer('Upsample2D', 'up', b2.input('x', [-1, 2, 2, 1]), {
      interpolation: 'bilinear',
    });
    expect(() => writeKerasModel(b2.build(y))).toThrow(/bilinear/);
  });
});
