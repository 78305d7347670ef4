import { GraphBuilder } from './graph-builder';
import { CollaboptError } from './errors';
import {
  checkLayerSelection,
  compileLayerSelection,
  isEmptyLayerSelection,
} from './layer-selection';
import { defaultOpRegistry } from './registry-default';

function graph() {
  const b = new GraphBuilder('g', { seed: 1 });
  const x = b.input('x', [-1, 6, 6, 1]);
  let h = b.layer('Conv2D', 'conv1', x, { filters: 2, kernelSize: [3, 3] });
  h = b.layer('Flatten', 'flat', h);
  h = b.layer('Dense', 'dense_1', h, { units: 3 });
  return b.build(b.layer('Dense', 'dense_2', h, { units: 2 }));
}

const selected = (sel: Parameters<typeof compileLayerSelection>[0]) => {
  const c = compileLayerSelection(sel);
  return graph()
    .nodes.filter((n) => n.op !== 'Input' && c.selects(n))
    .map((n) => n.name);
};

describe('layer selection', () => {
  it('selects by name, /regex/, op type; exclude wins over layers', () => {
    expect(selected({})).toEqual(['conv1', 'flat', 'dense_1', 'dense_2']);
    expect(selected({ layers: ['/^dense_\\d$/'] })).toEqual(['dense_1', 'dense_2']);
    expect(selected({ ops: ['Conv2D'], layers: ['dense_2'] })).toEqual(['conv1', 'dense_2']);
    expect(selected({ ops: ['Dense'], exclude: ['dense_1'] })).toEqual(['dense_2']);
    expect(selected({ excludeOps: ['Dense', 'Flatten'] })).toEqual(['conv1']);
    expect(isEmptyLayerSelection({ layers: [] })).toBe(true);
    expect(isEmptyLayerSelection({ exclude: ['x'] })).toBe(false);
  });

  it('typos are INVALID_ARGUMENT errors naming the field', () => {
    const code = (sel: Parameters<typeof checkLayerSelection>[2]) => {
      try {
        checkLayerSelection(graph(), defaultOpRegistry, sel, {
          test: (n) => Object.keys(n.weights).length > 0,
          what: 'weight',
        });
      } catch (e) {
        return e instanceof CollaboptError ? [e.code, e.location.field] : e;
      }
      return undefined;
    };
    expect(code({ exclude: ['dense_9'] })).toEqual(['INVALID_ARGUMENT', 'exclude']);
    expect(code({ layers: ['/(/'] })).toEqual(['INVALID_ARGUMENT', 'layers']);
    expect(code({ ops: ['Dense3D'] })).toEqual(['INVALID_ARGUMENT', 'ops']);
    expect(code({ layers: ['flat'] })).toEqual(['INVALID_ARGUMENT', 'layers']);
    expect(code({ layers: ['/^dense/'], exclude: ['conv1'] })).toBeUndefined();
  });
});
