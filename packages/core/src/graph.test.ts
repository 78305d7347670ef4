import { GraphError } from './errors';
import { Graph } from './graph';
import { GraphBuilder } from './graph-builder';
import { verifyGraph } from './verifier';

function chain(): Graph {
  const b = new GraphBuilder('chain');
  const x = b.input('x', [-1, 4]);
  const h = b.layer('Dense', 'd1', x, { units: 3 });
  const a = b.layer('Activation', 'act', h, { activation: 'relu' });
  const y = b.layer('Dense', 'd2', a, { units: 2 });
  return b.build(y);
}

describe('Graph', () => {
  it('keeps producers and consumers consistent', () => {
    const g = chain();
    const d1 = g.node('d1');
    expect(d1.output.producer).toBe(d1);
    expect(g.consumers(d1.output).map((n) => n.name)).toEqual(['act']);
    expect(g.topologicalOrder().map((n) => n.name)).toEqual(['x', 'd1', 'act', 'd2']);
    expect(g.inputs.map((v) => v.name)).toEqual(['x']);
  });

  it('rejects duplicate names and foreign values', () => {
    const g = chain();
    expect(() => g.addNode({ name: 'd1', op: 'Dropout', inputs: [g.value('x')] })).toThrow(
      /already exists/,
    );
    const other = chain();
    expect(() => g.addNode({ name: 'z', op: 'Dropout', inputs: [other.value('x')] })).toThrow(
      /does not belong/,
    );
  });

  it('inserts a node after a value and rewires every reader', () => {
    const g = chain();
    const v = g.value('d2');
    const n = g.insertAfter(v, {
      name: 'drop',
      op: 'Dropout',
      attrs: { rate: 0.1 },
      outputs: [{ name: 'drop', shape: [-1, 2] }],
    });
    expect(g.outputs).toEqual([n.output]);
    g.insertAfter(g.value('d1'), {
      name: 'drop1',
      op: 'Dropout',
      outputs: [{ name: 'drop1', shape: [-1, 3] }],
    });
    expect(g.node('act').inputs[0]!.name).toBe('drop1');
    expect(() => verifyGraph(g)).not.toThrow();
  });

  it('removes a node only when nothing reads it, or rewires its users', () => {
    const g = chain();
    expect(() => g.removeNode(g.node('act'))).toThrow(GraphError);
    g.removeNode(g.node('act'), [g.value('d1')]);
    expect(g.node('d2').inputs[0]!.name).toBe('d1');
    expect(g.findNode('act')).toBeUndefined();
    expect(() => g.removeNode(g.node('d2'))).toThrow(/graph output/);
    expect(() => verifyGraph(g)).not.toThrow();
  });

  it('replaces a node keeping its name and users', () => {
    const g = chain();
    const act = g.node('act');
    const created = g.replaceNode(act, {
      name: 'act',
      op: 'Activation',
      inputs: act.inputs,
      attrs: { activation: 'relu6' },
      outputs: [{ name: 'act', shape: [-1, 3] }],
    });
    expect(created.name).toBe('act');
    expect(created.output.name).toBe('act');
    expect(g.node('d2').inputs[0]).toBe(created.output);
    expect(g.node('act').attrs['activation']).toBe('relu6');
    expect(() => verifyGraph(g)).not.toThrow();
  });

  it('replaceAllUsesWith redirects nodes and outputs', () => {
    const g = chain();
    const extra = g.addNode({
      name: 'alt',
      op: 'Dense',
      inputs: [g.value('act')],
      attrs: { units: 2 },
      outputs: [{ name: 'alt', shape: [-1, 2] }],
    });
    extra.weights = g.node('d2').weights;
    g.replaceAllUsesWith(g.value('d2'), extra.output);
    expect(g.outputs[0]).toBe(extra.output);
  });

  it('detects cycles', () => {
    const g = chain();
    g.setInput(g.node('d1'), 0, g.value('act'));
    expect(() => g.topologicalOrder()).toThrow(/cycle/);
  });

  it('clones deeply', () => {
    const g = chain();
    g.node('d1').weight('kernel').annotations.mask = { mask: new Uint8Array(12).fill(1) };
    const c = g.clone();
    (c.node('d1').weight('kernel').tensor.data as Float32Array)[0] = 123;
    expect((g.node('d1').weight('kernel').tensor.data as Float32Array)[0]).not.toBe(123);
    expect(c.node('d1').weight('kernel').annotations.mask?.mask.length).toBe(12);
    expect(c.outputs[0]!.name).toBe('d2');
    expect(c.version).toBeGreaterThan(0);
  });

  it('bumps the version on every edit', () => {
    const g = chain();
    const v0 = g.version;
    g.touch();
    expect(g.version).toBe(v0 + 1);
  });
});
