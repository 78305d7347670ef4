// Every layer format-keras supports: IR → writeKerasModel → tfjs-layers loadLayersModel must give
// the outputs the collabopt engine computes from the IR, and our own re-import must too.
import { GraphBuilder, createRng, type Attributes, type Graph, type Value } from '@collabopt/core';
import { readKerasModel, writeKerasModel } from '@collabopt/format-keras';
import {
  loadArtifactsInTfjs,
  maxAbsDiff,
  predictEngine,
  predictTfjs,
  tfReady,
} from './tfjs-helpers';

type Build = (b: GraphBuilder, x: Value) => Value;

interface Case {
  name: string;
  input: number[];
  build: Build;
}

const one =
  (op: string, attrs: Attributes = {}): Build =>
  (b, x) =>
    b.layer(op, 'layer', x, attrs);

const conv = (extra: Attributes): Attributes => ({ filters: 4, kernelSize: [3, 3], ...extra });

const CASES: Case[] = [
  { name: 'Dense relu', input: [5], build: one('Dense', { units: 3, activation: 'relu' }) },
  {
    name: 'Dense no bias on rank 3',
    input: [4, 5],
    build: one('Dense', { units: 3, useBias: false }),
  },
  {
    name: 'Conv2D same relu6',
    input: [7, 7, 2],
    build: one('Conv2D', conv({ padding: 'same', activation: 'relu6' })),
  },
  {
    name: 'Conv2D valid stride 2 sigmoid',
    input: [9, 8, 2],
    build: one('Conv2D', conv({ strides: [2, 2], activation: 'sigmoid' })),
  },
  {
    name: 'Conv2D dilation 2 tanh',
    input: [9, 9, 2],
    build: one('Conv2D', conv({ dilations: [2, 2], padding: 'same', activation: 'tanh' })),
  },
  {
    name: 'Conv2D swish/gelu/softplus/elu',
    input: [6, 6, 2],
    build: (b, x) => {
      let h = b.layer('Conv2D', 'c1', x, conv({ padding: 'same', activation: 'swish' }));
      h = b.layer('Conv2D', 'c2', h, conv({ padding: 'same', activation: 'gelu' }));
      h = b.layer('Conv2D', 'c3', h, conv({ padding: 'same', activation: 'softplus' }));
      return b.layer('Conv2D', 'c4', h, conv({ padding: 'same', activation: 'elu' }));
    },
  },
  {
    name: 'Conv2D fused leaky_relu (helper layer)',
    input: [5, 5, 2],
    build: one('Conv2D', conv({ activation: 'leaky_relu' })),
  },
  {
    name: 'DepthwiseConv2D multiplier 2',
    input: [7, 7, 3],
    build: one('DepthwiseConv2D', {
      kernelSize: [3, 3],
      depthMultiplier: 2,
      padding: 'same',
      activation: 'relu',
    }),
  },
  {
    name: 'DepthwiseConv2D stride 2 valid',
    input: [8, 8, 3],
    build: one('DepthwiseConv2D', { kernelSize: [3, 3], strides: [2, 2] }),
  },
  {
    name: 'SeparableConv2D',
    input: [7, 7, 3],
    build: one('SeparableConv2D', {
      filters: 5,
      kernelSize: [3, 3],
      depthMultiplier: 2,
      padding: 'same',
      activation: 'relu',
    }),
  },
  {
    name: 'Conv2DTranspose same stride 2',
    input: [4, 4, 3],
    build: one('Conv2DTranspose', {
      filters: 2,
      kernelSize: [3, 3],
      strides: [2, 2],
      padding: 'same',
    }),
  },
  {
    name: 'Conv2DTranspose valid',
    input: [4, 5, 3],
    build: one('Conv2DTranspose', {
      filters: 2,
      kernelSize: [3, 3],
      strides: [2, 2],
      padding: 'valid',
    }),
  },
  { name: 'BatchNorm', input: [4, 4, 3], build: one('BatchNorm', { epsilon: 1e-3 }) },
  {
    name: 'BatchNorm without scale/center',
    input: [6],
    build: one('BatchNorm', { center: false, scale: false }),
  },
  { name: 'LayerNorm', input: [3, 6], build: one('LayerNorm', { epsilon: 1e-3 }) },
  ...(
    ['relu', 'relu6', 'elu', 'sigmoid', 'tanh', 'softmax', 'swish', 'gelu', 'softplus'] as const
  ).map((a): Case => ({
    name: `Activation ${a}`,
    input: [3, 7],
    build: one('Activation', { activation: a }),
  })),
  {
    name: 'Activation leaky_relu (LeakyReLU)',
    input: [10],
    build: one('Activation', { activation: 'leaky_relu', alpha: 0.1 }),
  },
  {
    name: 'Activation hard_sigmoid (Keras 2)',
    input: [10],
    build: one('Activation', { activation: 'hard_sigmoid', alpha: 0.2, beta: 0.5 }),
  },
  { name: 'Softmax', input: [2, 6], build: one('Softmax', { axis: -1 }) },
  { name: 'MaxPool2D', input: [6, 6, 2], build: one('MaxPool2D', { poolSize: [2, 2] }) },
  {
    name: 'MaxPool2D same stride 2 pool 3',
    input: [7, 7, 2],
    build: one('MaxPool2D', { poolSize: [3, 3], strides: [2, 2], padding: 'same' }),
  },
  {
    name: 'AvgPool2D same (padding excluded)',
    input: [7, 7, 2],
    build: one('AvgPool2D', { poolSize: [3, 3], strides: [2, 2], padding: 'same' }),
  },
  { name: 'GlobalAvgPool', input: [5, 5, 3], build: one('GlobalAvgPool') },
  {
    name: 'GlobalMaxPool keepDims',
    input: [5, 5, 3],
    build: one('GlobalMaxPool', { keepDims: true }),
  },
  {
    name: 'Flatten',
    input: [3, 4, 2],
    build: (b, x) => b.layer('Dense', 'd', b.layer('Flatten', 'flat', x), { units: 2 }),
  },
  { name: 'Reshape', input: [12], build: one('Reshape', { targetShape: [3, -1] }) },
  { name: 'Dropout (identity at inference)', input: [8], build: one('Dropout', { rate: 0.5 }) },
  {
    name: 'Pad asymmetric',
    input: [4, 5, 2],
    build: one('Pad', {
      padding: [
        [0, 1],
        [2, 1],
      ],
    }),
  },
  { name: 'Upsample2D nearest', input: [3, 4, 2], build: one('Upsample2D', { size: [2, 3] }) },
  {
    name: 'Add (3 inputs) + fused relu',
    input: [4, 4, 3],
    build: (b, x) => {
      const a = b.layer('Conv2D', 'a', x, conv({ filters: 3, padding: 'same' }));
      const c = b.layer('DepthwiseConv2D', 'c', x, { kernelSize: [3, 3], padding: 'same' });
      return b.layer('Add', 'sum', [a, c, x], { activation: 'relu' });
    },
  },
  {
    name: 'Sub (NHWC) and Sub (2-D)',
    input: [4, 4, 3],
    build: (b, x) => {
      const a = b.layer('Conv2D', 'a', x, conv({ filters: 3, padding: 'same' }));
      const d = b.layer('Sub', 'diff', [a, x]);
      const g = b.layer('GlobalAvgPool', 'g', d);
      const h = b.layer('Dense', 'h', g, { units: 3 });
      return b.layer('Sub', 'diff2', [g, h]);
    },
  },
  {
    name: 'Mul',
    input: [6],
    build: (b, x) =>
      b.layer('Mul', 'prod', [x, b.layer('Dense', 'd', x, { units: 6, activation: 'tanh' })]),
  },
  {
    name: 'Concat',
    input: [4, 4, 2],
    build: (b, x) =>
      b.layer('Concat', 'cat', [x, b.layer('Conv2D', 'c', x, conv({ padding: 'same' }))], {
        axis: -1,
      }),
  },
];

/** Random weights everywhere (variances positive), so no layer is an identity by accident. */
function randomizeWeights(graph: Graph, seed: number): void {
  const rng = createRng(seed);
  for (const node of graph.nodes) {
    for (const [slot, w] of Object.entries(node.weights)) {
      const d = w.tensor.data as Float32Array;
      for (let i = 0; i < d.length; i++)
        d[i] = slot === 'movingVariance' ? rng.uniform(0.5, 2) : rng.uniform(-1, 1);
    }
  }
}

function randomInput(shape: number[], seed: number): { shape: number[]; data: Float32Array } {
  const rng = createRng(seed);
  const data = new Float32Array(shape.reduce((a, b) => a * b, 1));
  for (let i = 0; i < data.length; i++) data[i] = rng.uniform(-2, 2);
  return { shape, data };
}

describe('IR → TF.js Layers → tfjs-layers, for every supported layer', () => {
  beforeAll(() => tfReady());

  it.each(CASES.map((c, i) => [c.name, c, i] as const))('%s', async (_name, c, i) => {
    const b = new GraphBuilder(`case${i}`, { seed: i });
    const y = c.build(b, b.input('x', [-1, ...c.input]));
    const graph = b.build(y);
    randomizeWeights(graph, 100 + i);
    const x = randomInput([2, ...c.input], 200 + i);

    const expected = (await predictEngine(graph, [x]))[0]!;
    const exported = writeKerasModel(graph, { shardSizeBytes: 256 });
    const model = await loadArtifactsInTfjs(exported);
    const got = predictTfjs(model, [x])[0]!;
    expect(got.length).toBe(expected.length);
    expect(maxAbsDiff(got, expected)).toBeLessThanOrEqual(1e-4);

    const shards = Object.fromEntries(exported.shards.map((s) => [s.path, s.bytes]));
    const back = await readKerasModel(
      JSON.parse(JSON.stringify(exported.modelJson)),
      async (p) => shards[p]!,
    );
    expect(maxAbsDiff((await predictEngine(back, [x]))[0]!, expected)).toBeLessThanOrEqual(1e-5);
  });
});
