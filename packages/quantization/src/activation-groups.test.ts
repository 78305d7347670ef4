import { GraphBuilder, createOpRegistry } from '@collabopt/core';
import { activationGroups, preservesGrid } from './activation-groups';

describe('activationGroups', () => {
  it('groups pooling/flatten outputs with their inputs and all concat inputs with the output', () => {
    const g = new GraphBuilder('m', { seed: 1 });
    const x = g.input('x', [-1, 8, 8, 1]);
    const a = g.layer('Conv2D', 'a', x, {
      filters: 2,
      kernelSize: [3, 3],
      padding: 'same',
      activation: 'relu',
    });
    const b = g.layer('Conv2D', 'b', x, { filters: 2, kernelSize: [1, 1] });
    const cat = g.layer('Concat', 'cat', [a, b]);
    const pool = g.layer('MaxPool2D', 'pool', cat);
    const flat = g.layer('Flatten', 'flat', pool);
    const logits = g.layer('Dense', 'logits', flat, { units: 3 });
    const probs = g.layer('Softmax', 'probs', logits);
    const graph = g.build(probs);
    const groups = activationGroups(graph);
    const names = groups.map((gr) =>
      gr.members
        .map((v) => v.name)
        .sort()
        .join(','),
    );
    expect(names.sort()).toEqual(['a,b,cat,flat,pool', 'logits', 'probs', 'x']);
    const catGroup = groups.find((gr) => gr.members.some((v) => v.name === 'cat'))!;
    expect(catGroup.anchor.name).toBe('cat');
    const probsGroup = groups.find((gr) => gr.anchor.name === 'probs')!;
    expect(probsGroup.fixed).toMatchObject({ scale: 1 / 256, zeroPoint: -128 });
    expect(groups.find((gr) => gr.anchor.name === 'logits')!.fixed).toBeUndefined();
    expect(preservesGrid(graph.node('pool'))).toBe(true);
    expect(
      activationGroups(graph, 16).find((gr) => gr.anchor.name === 'probs')!.fixed,
    ).toMatchObject({ scale: 1 / 32768, zeroPoint: 0 });
  });

  it('asks the op registry: GlobalMaxPool (REDUCE_MAX) and nearest Upsample2D share their input, a custom op can too', () => {
    const registry = createOpRegistry();
    registry.register({
      name: 'Crop',
      description: 'test: drops the border (a copy of input values)',
      attrs: {},
      minInputs: 1,
      maxInputs: 1,
      weights: [],
      quantization: { sharedParams: 'input', keepsInputGrid: true },
      infer: (ctx) => {
        const [n, h, w, c] = ctx.inputShapes[0]!;
        return [{ shape: [n!, h! - 2, w! - 2, c!], dtype: 'float32' }];
      },
    });
    const g = new GraphBuilder('m', { seed: 1, registry });
    const x = g.input('x', [-1, 8, 8, 1]);
    const a = g.layer('Conv2D', 'a', x, { filters: 2, kernelSize: [3, 3], padding: 'same' });
    const up = g.layer('Upsample2D', 'up', a, { interpolation: 'nearest' });
    const crop = g.layer('Crop', 'crop', up);
    const gmp = g.layer('GlobalMaxPool', 'gmp', crop);
    const graph = g.build(g.layer('Dense', 'logits', gmp, { units: 3 }));
    const names = activationGroups(graph, 8, registry).map((gr) =>
      gr.members
        .map((v) => v.name)
        .sort()
        .join(','),
    );
    expect(names.sort()).toEqual(['a,crop,gmp,up', 'logits', 'x']);
    expect(preservesGrid(graph.node('crop'), registry)).toBe(true);
  });
});
