import { GraphBuilder, createRng, tensor, verifyGraph, type Graph } from '@collabopt/core';
import { createEngine, type Engine } from '@collabopt/engine';
import { splitFusedActivation, splitSeparableConv } from './rewrites';

function model(): Graph {
  const b = new GraphBuilder('m', { seed: 4 });
  const x = b.input('input', [-1, 7, 7, 3]);
  let h = b.layer('SeparableConv2D', 'sep', x, {
    filters: 5,
    kernelSize: [3, 3],
    strides: [2, 2],
    padding: 'same',
    depthMultiplier: 2,
    activation: 'relu6',
  });
  h = b.layer('Flatten', 'flatten', h);
  return b.build(b.layer('Dense', 'probs', h, { units: 4, activation: 'softmax' }));
}

describe('legalization rewrites compute the same function', () => {
  let engine: Engine;
  beforeAll(async () => {
    engine = await createEngine({ backend: 'cpu' });
  });

  it('SeparableConv2D → DepthwiseConv2D + 1×1 Conv2D, and a fused softmax → Activation', async () => {
    const g = model();
    const bias = g.node('sep').weights['bias']!;
    bias.tensor = tensor('float32', [5], [0.1, -0.2, 0.3, 0, 0.05]);
    const rng = createRng(9);
    const x = tensor(
      'float32',
      [2, 7, 7, 3],
      Float32Array.from({ length: 294 }, () => rng.uniform(-1, 1)),
    );
    const [before] = await engine.predict(g, [x]);
    const legal = g.clone();
    splitSeparableConv(legal, legal.node('sep'));
    splitFusedActivation(legal, legal.node('probs'));
    verifyGraph(legal);
    expect(legal.node('sep_depthwise').op).toBe('DepthwiseConv2D');
    expect(legal.node('sep').op).toBe('Conv2D');
    expect(legal.node('probs_softmax').attrs['activation']).toBe('softmax');
    const [after] = await engine.predict(legal, [x]);
    const a = before!.data as Float32Array;
    const b = after!.data as Float32Array;
    expect(b.length).toBe(a.length);
    for (let i = 0; i < a.length; i++) expect(Math.abs(a[i]! - b[i]!)).toBeLessThan(1e-5);
  });
});
