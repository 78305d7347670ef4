import { ShapeError } from './errors';
import { Graph } from './graph';
import { GraphBuilder } from './graph-builder';
import { tensor } from './tensor';
import { verifyGraph } from './verifier';

function small(): Graph {
  const b = new GraphBuilder('v');
  const x = b.input('x', [-1, 6, 6, 2]);
  const c = b.layer('Conv2D', 'conv', x, { filters: 3, kernelSize: [3, 3] });
  return b.build(b.layer('Flatten', 'flat', c));
}

describe('verifyGraph', () => {
  it('accepts a well-formed graph', () => {
    expect(() => verifyGraph(small())).not.toThrow();
  });

  it('rejects a weight of the wrong shape naming node and field', () => {
    const g = small();
    g.node('conv').weights['kernel']!.tensor = tensor('float32', [3, 3, 2, 4]);
    expect(() => verifyGraph(g)).toThrow(ShapeError);
    expect(() => verifyGraph(g)).toThrow(/node conv, field kernel/);
  });

  it('rejects missing and unexpected weights', () => {
    const g = small();
    delete g.node('conv').weights['bias'];
    expect(() => verifyGraph(g)).toThrow(expect.objectContaining({ code: 'GRAPH_MISSING_WEIGHT' }));
    const h = small();
    h.node('flat').weights['gamma'] = { tensor: tensor('float32', [1]), annotations: {} };
    expect(() => verifyGraph(h)).toThrow(
      expect.objectContaining({ code: 'GRAPH_UNEXPECTED_WEIGHT' }),
    );
  });

  it('rejects values produced outside the graph', () => {
    const g = small();
    const other = small();
    g.node('flat').inputs[0] = other.value('conv');
    expect(() => verifyGraph(g)).toThrow(expect.objectContaining({ code: 'GRAPH_DANGLING_VALUE' }));
  });

  it('rejects cycles, dead nodes and missing outputs', () => {
    const g = small();
    g.node('conv').inputs[0] = g.value('conv');
    expect(() => verifyGraph(g)).toThrow(expect.objectContaining({ code: 'GRAPH_CYCLE' }));
    const d = small();
    d.addNode({
      name: 'unused',
      op: 'Dropout',
      inputs: [d.value('conv')],
      outputs: [{ name: 'unused', shape: [-1, 4, 4, 3] }],
    });
    expect(() => verifyGraph(d)).toThrow(expect.objectContaining({ code: 'GRAPH_DEAD_NODE' }));
    expect(() => verifyGraph(d, { allowDeadNodes: true })).not.toThrow();
    const e = small();
    e.outputs = [];
    expect(() => verifyGraph(e)).toThrow(expect.objectContaining({ code: 'GRAPH_NO_OUTPUTS' }));
  });

  it('rejects a declared shape that inference contradicts', () => {
    const g = small();
    g.value('conv').shape = [-1, 5, 5, 3];
    expect(() => verifyGraph(g)).toThrow(
      /declared \[\?, 5, 5, 3\] but Conv2D produces \[\?, 4, 4, 3\]/,
    );
  });

  it('rejects annotations whose size does not match the weight', () => {
    const g = small();
    g.node('conv').weight('kernel').annotations.mask = { mask: new Uint8Array(3) };
    expect(() => verifyGraph(g)).toThrow(expect.objectContaining({ code: 'ANNOTATION_INVALID' }));
  });

  it('rejects unknown ops naming the node', () => {
    const g = new Graph('u');
    const x = g.addInput('x', [-1, 2]);
    const n = g.addNode({
      name: 'mystery',
      op: 'Mystery',
      inputs: [x],
      outputs: [{ name: 'mystery', shape: [-1, 2] }],
    });
    g.outputs = [n.output];
    expect(() => verifyGraph(g)).toThrow(/unknown op "Mystery".*node mystery/);
  });
});
