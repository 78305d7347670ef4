import {
  CollaboptError,
  GraphBuilder,
  defaultOpRegistry,
  graphFloatLayers,
  type Graph,
} from '@collabopt/core';
import { activationQuantAnnotation } from './annotations';
import {
  applyFloatLayers,
  floatValues,
  parseLayerBits,
  resolveLayerPrecision,
} from './layer-precision';
import { asymmetricParams } from './quant-params';
import { quantizeGraphWeights } from './weight-plan';

/** x → conv1 → conv2 → flat → dense_1 → dense_2, every activation annotated as PTQ leaves it. */
function annotatedCnn(): Graph {
  const g = new GraphBuilder('m', { seed: 5 });
  const x = g.input('x', [-1, 6, 6, 1]);
  const c1 = g.layer('Conv2D', 'conv1', x, { filters: 2, kernelSize: [3, 3], activation: 'relu' });
  const c2 = g.layer('Conv2D', 'conv2', c1, { filters: 2, kernelSize: [3, 3] });
  const f = g.layer('Flatten', 'flat', c2);
  const d1 = g.layer('Dense', 'dense_1', f, { units: 4, activation: 'relu' });
  const d2 = g.layer('Dense', 'dense_2', d1, { units: 3 });
  const graph = g.build(d2);
  for (const v of graph.nodes.flatMap((n) => n.outputs))
    v.annotations.quant = activationQuantAnnotation(asymmetricParams(-1, 2), 8);
  return graph;
}

function codeOf(f: () => unknown): string | undefined {
  try {
    f();
  } catch (e) {
    return e instanceof CollaboptError ? e.code : 'not a CollaboptError';
  }
  return undefined;
}

describe('parseLayerBits', () => {
  it('reads comma-separated layer:bits entries, regex targets with commas and colons included', () => {
    expect(parseLayerBits(['conv2:4, dense_1 : 8', '/d{1,2}:x/i:6'])).toEqual([
      { target: 'conv2', bits: 4 },
      { target: 'dense_1', bits: 8 },
      { target: '/d{1,2}:x/i', bits: 6 },
    ]);
  });

  it('rejects malformed entries and bit widths outside 4–8 with INVALID_ARGUMENT', () => {
    expect(codeOf(() => parseLayerBits(['conv2']))).toBe('INVALID_ARGUMENT');
    expect(codeOf(() => parseLayerBits(['conv2:4,']))).toBeUndefined();
    expect(codeOf(() => parseLayerBits(['conv2:16']))).toBe('INVALID_ARGUMENT');
    expect(codeOf(() => parseLayerBits(['conv2:3']))).toBe('INVALID_ARGUMENT');
  });
});

describe('resolveLayerPrecision', () => {
  it('selects float layers with the prune selector: names, regex, op types, layers= restricts', () => {
    const g = annotatedCnn();
    const r = defaultOpRegistry;
    expect(resolveLayerPrecision(g, r, { exclude: ['conv1'] }).floatLayers).toEqual(['conv1']);
    expect(resolveLayerPrecision(g, r, { exclude: ['/^dense/'] }).floatLayers).toEqual([
      'dense_1',
      'dense_2',
    ]);
    expect(resolveLayerPrecision(g, r, { excludeOps: ['Conv2D'] }).floatLayers).toEqual([
      'conv1',
      'conv2',
    ]);
    // Only dense_2 is quantized: everything else but the input node stays float.
    expect(resolveLayerPrecision(g, r, { layers: ['dense_2'] }).floatLayers).toEqual([
      'conv1',
      'conv2',
      'flat',
      'dense_1',
    ]);
  });

  it('per-layer bits: last matching rule wins, op types match too', () => {
    const g = annotatedCnn();
    const p = resolveLayerPrecision(g, defaultOpRegistry, {
      layerBits: ['Conv2D:4,conv2:6,/dense_2/:5'],
    });
    expect(['conv1', 'conv2', 'dense_1', 'dense_2'].map((n) => p.weightBits(g.node(n)))).toEqual([
      4,
      6,
      undefined,
      5,
    ]);
    expect(p.floatLayers).toEqual([]);
  });

  it('typos and contradictions are typed errors', () => {
    const g = annotatedCnn();
    const r = defaultOpRegistry;
    expect(codeOf(() => resolveLayerPrecision(g, r, { exclude: ['conv9'] }))).toBe(
      'INVALID_ARGUMENT',
    );
    expect(codeOf(() => resolveLayerPrecision(g, r, { excludeOps: ['Conv3D'] }))).toBe(
      'INVALID_ARGUMENT',
    );
    expect(codeOf(() => resolveLayerPrecision(g, r, { layerBits: ['conv9:4'] }))).toBe(
      'INVALID_ARGUMENT',
    );
    expect(
      codeOf(() => resolveLayerPrecision(g, r, { exclude: ['conv2'], layerBits: ['conv2:4'] })),
    ).toBe('INVALID_ARGUMENT');
  });
});

describe('float layers', () => {
  it('a value stays float only when a float layer (or the input) produces it and only float layers read it', () => {
    const g = annotatedCnn();
    const p = resolveLayerPrecision(g, defaultOpRegistry, { exclude: ['conv1', 'conv2'] });
    // x → conv1 (float) → conv2 (float) → flat (int): x and conv1's output stay float,
    // conv2's output is read by the integer Flatten, so it is quantized after conv2.
    expect([...floatValues(g, p)].map((v) => v.name)).toEqual(['x', 'conv1']);
    // An int8-I/O model keeps its input integer.
    expect([...floatValues(g, p, { integerIo: true })].map((v) => v.name)).toEqual(['conv1']);
  });

  it('a float last layer gives a float graph output unless the model has int8 I/O', () => {
    const g = annotatedCnn();
    const p = resolveLayerPrecision(g, defaultOpRegistry, { exclude: ['dense_2'] });
    expect([...floatValues(g, p)].map((v) => v.name)).toEqual(['dense_2']);
    expect([...floatValues(g, p, { integerIo: true })]).toEqual([]);
  });

  it('applyFloatLayers keeps float layers float: no weight or value annotations, floatLayers recorded', () => {
    const g = annotatedCnn();
    const p = resolveLayerPrecision(g, defaultOpRegistry, {
      exclude: ['conv1'],
      layerBits: ['dense_1:4'],
    });
    quantizeGraphWeights(g, 'int8', defaultOpRegistry, { precision: p });
    g.metadata['quantization'] = { mode: 'int8' };
    applyFloatLayers(g, p);
    expect(g.node('conv1').weights['kernel']!.annotations.quant).toBeUndefined();
    expect(g.node('conv1').weights['bias']!.annotations.quant).toBeUndefined();
    expect(g.node('conv2').weights['kernel']!.annotations.quant).toMatchObject({ bits: 8 });
    const d1 = g.node('dense_1').weights['kernel']!;
    expect(d1.annotations.quant).toMatchObject({ dtype: 'int8', bits: 4 });
    // 4-bit narrow range: every code in [−7, 7].
    const s = d1.annotations.quant!.scale[0]!;
    for (const w of d1.tensor.data as Float32Array)
      expect(Math.abs(Math.round(w / s))).toBeLessThanOrEqual(7);
    expect(g.value('x').annotations.quant).toBeUndefined();
    expect(g.value('conv1').annotations.quant).toBeDefined();
    expect(g.metadata['quantization']).toEqual({ mode: 'int8', floatLayers: ['conv1'] });
    expect([...graphFloatLayers(g.metadata)]).toEqual(['conv1']);
  });
});
