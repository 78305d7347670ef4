import { GraphBuilder, verifyGraph } from '@collabopt/core';
import { fuseClampActivations } from './fuse-clamp-activations';

/** x [-1, 2] → Dense "dense" (2 units) → Activation "act" → Flatten "flat". */
function denseThen(activation: string, denseActivation?: string) {
  const g = new GraphBuilder('m', { seed: 1 });
  const x = g.input('x', [-1, 2]);
  const d = g.layer('Dense', 'dense', x, {
    units: 2,
    ...(denseActivation ? { activation: denseActivation } : {}),
  });
  const a = g.layer('Activation', 'act', d, { activation });
  const graph = g.build(g.layer('Flatten', 'flat', a));
  return graph;
}

describe('fuseClampActivations', () => {
  it('fuses a relu6 Activation into the Dense before it, which takes its readers and range', () => {
    const graph = denseThen('relu6');
    graph.node('act').output.annotations.range = { min: 0, max: 6, source: 'test' };
    const report = fuseClampActivations(graph);
    expect(report.fused).toEqual([{ activation: 'act', into: 'dense' }]);
    expect(graph.findNode('act')).toBeUndefined();
    expect(graph.node('dense').attrs['activation']).toBe('relu6');
    expect(graph.node('flat').inputs[0]).toBe(graph.node('dense').output);
    expect(graph.node('dense').output.annotations.range).toEqual({
      min: 0,
      max: 6,
      source: 'test',
    });
    verifyGraph(graph);
  });

  it('fuses relu, also when the activation output is a graph output', () => {
    const g = new GraphBuilder('m', { seed: 2 });
    const x = g.input('x', [-1, 4, 4, 1]);
    const c = g.layer('Conv2D', 'conv', x, { filters: 2, kernelSize: [1, 1] });
    const graph = g.build(g.layer('Activation', 'act', c, { activation: 'relu' }));
    expect(fuseClampActivations(graph).fused).toEqual([{ activation: 'act', into: 'conv' }]);
    expect(graph.outputs).toEqual([graph.node('conv').output]);
    expect(graph.node('conv').attrs['activation']).toBe('relu');
    verifyGraph(graph);
  });

  it('leaves non-clamp activations, activated producers and shared values alone', () => {
    for (const graph of [denseThen('sigmoid'), denseThen('relu6', 'relu')]) {
      expect(fuseClampActivations(graph).fused).toEqual([]);
      expect(graph.findNode('act')).toBeDefined();
    }
    // The Dense output is also a graph output: its unclamped values are needed.
    const g = new GraphBuilder('m', { seed: 3 });
    const x = g.input('x', [-1, 2]);
    const d = g.layer('Dense', 'dense', x, { units: 2 });
    const a = g.layer('Activation', 'act', d, { activation: 'relu' });
    const graph = g.build([d, a]);
    expect(fuseClampActivations(graph).fused).toEqual([]);
    // A producer the registry does not let fuse (Add).
    const g2 = new GraphBuilder('m', { seed: 4 });
    const y = g2.input('y', [-1, 2]);
    const sum = g2.layer('Add', 'add', [y, y]);
    const graph2 = g2.build(g2.layer('Activation', 'act', sum, { activation: 'relu' }));
    expect(fuseClampActivations(graph2).fused).toEqual([]);
  });
});
