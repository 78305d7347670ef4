import { GraphBuilder } from './graph-builder';
import { countUnique, graphStatistics, weightStatistics } from './statistics';
import { formatSummary, formatTable, summarize } from './summarize';
import { tensor } from './tensor';

describe('statistics', () => {
  it('counts params, zeros and unique values', () => {
    const s = weightStatistics(tensor('float32', [2, 3], [0, 1, 1, 0, -0, 2]));
    expect(s).toEqual({ params: 6, nonZeros: 3, sparsity: 0.5, uniqueValues: 3, bytes: 24 });
    expect(countUnique(new Int8Array([3, 3, -1]))).toBe(2);
  });

  it('deflates clustered/sparse weights smaller than random ones', () => {
    const make = (values: (i: number) => number) => {
      const b = new GraphBuilder('s');
      const x = b.input('x', [-1, 64]);
      const k = tensor(
        'float32',
        [64, 64],
        Float32Array.from({ length: 4096 }, (_, i) => values(i)),
      );
      return b.build(b.layer('Dense', 'd', x, { units: 64, useBias: false }, { kernel: k }));
    };
    const random = graphStatistics(make((i) => (Math.sin(i * 12.9898) * 43758.5453) % 1));
    const sparse = graphStatistics(make((i) => (i % 2 === 0 ? 0 : [0.1, -0.2, 0.3][i % 3]!)));
    expect(sparse.bytes).toBe(random.bytes);
    expect(sparse.deflatedBytes).toBeLessThan(random.deflatedBytes / 4);
    expect(sparse.weights[0]).toMatchObject({ node: 'd', slot: 'kernel', uniqueValues: 4 });
  });
});

describe('summarize', () => {
  it('lists every layer with params, sparsity and annotations', () => {
    const b = new GraphBuilder('s');
    const x = b.input('x', [-1, 4]);
    const d = b.layer('Dense', 'd', x, { units: 2 });
    const g = b.build(d);
    const k = g.node('d').weight('kernel');
    (k.tensor.data as Float32Array).fill(0, 0, 4);
    k.annotations.mask = { mask: Uint8Array.from([0, 0, 0, 0, 1, 1, 1, 1]) };
    const s = summarize(g);
    expect(s.layers.map((l) => l.name)).toEqual(['x', 'd']);
    expect(s.layers[1]).toMatchObject({
      op: 'Dense',
      outputShape: '[?, 2]',
      params: 10,
      annotations: ['kernel:mask'],
    });
    expect(s.layers[1]!.sparsity).toBeCloseTo(6 / 10); // 4 pruned kernel entries + 2 zero biases
    expect(s.totalParams).toBe(10);
    const text = formatSummary(s);
    expect(text).toContain('kernel:mask');
    expect(text.split('\n')[0]).toMatch(/^layer\s+op\s+output\s+params/);
  });

  it('aligns tables with numbers to the right', () => {
    expect(
      formatTable(
        ['a', 'n'],
        [
          ['x', '1'],
          ['yy', '10'],
        ],
      ),
    ).toBe('a    n\n--  --\nx    1\nyy  10');
  });
});
