import { twoDenseGraph } from '../test/two-dense-graph';
import { largestKernel, layerTable } from './layer-table';

describe('layerTable', () => {
  it('reports every weight with params, sparsity, distinct values, bits and SQNR', () => {
    const g = twoDenseGraph([0, 0, 0, 0, 0.5, 0.5, 0.5, -0.5, -0.5, 0.25, 0.25, 0]);
    g.node('hidden').weight('kernel').annotations.quant = {
      dtype: 'int8',
      scale: Float32Array.of(0.25),
      zeroPoint: Int32Array.of(0),
      bits: 7,
      narrowRange: true,
    };
    const t = layerTable('g', 'graph', g, {
      weightSqnr: [{ node: 'hidden', slot: 'kernel', sqnrDb: 41.5 }],
      activationSqnr: [{ value: g.node('hidden').outputs[0]!.name, sqnrDb: 30.25 }],
      sensitivity: { logits: 0.012 },
    });
    expect(t.rows.map((r) => `${r.node}/${r.slot}`)).toEqual([
      'hidden/kernel',
      'hidden/bias',
      'logits/kernel',
      'logits/bias',
    ]);
    const k = t.rows[0]!;
    expect(k).toMatchObject({
      op: 'Dense',
      shape: [4, 3],
      params: 12,
      uniqueValues: 4, // 0, 0.5, −0.5, 0.25
      bits: 7,
      weightSqnrDb: 41.5,
      activationSqnrDb: 30.25,
    });
    expect(k.sparsity).toBeCloseTo(5 / 12, 12);
    expect(t.rows[1]).toMatchObject({ params: 3, sparsity: 1, bits: 32 }); // zero-initialised bias
    expect(t.rows[2]!.sensitivity).toBe(0.012);
    expect(t.params).toBe(12 + 3 + 6 + 2);
    expect(t.sparsity).toBeCloseTo((5 + 3 + 2 + t.rows[2]!.sparsity * 6) / 23, 12);
  });

  it('finds the largest kernel through the op registry', () => {
    expect(largestKernel(twoDenseGraph(new Array(12).fill(0.1)))).toEqual({
      node: 'hidden',
      slot: 'kernel',
    });
  });
});
