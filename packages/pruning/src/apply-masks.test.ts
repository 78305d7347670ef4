import { checkMask, countNonZeros, PassManager, silentLogger } from '@collabopt/core';
import { applyMasks } from './apply-masks';
import { checkMN } from './check-mn';
import { formatPruningReport } from './report';
import { smallCnn } from '../test/small-cnn';

describe('applyMasks (one-shot, no engine)', () => {
  it('prunes every selected weight to the exact target and records the mask contract', () => {
    const g = smallCnn();
    const biasBefore = Float32Array.from(
      g.node('dense1').weight('bias').tensor.data as Float32Array,
    );
    const dwBiasBefore = Float32Array.from(g.node('dw').weight('bias').tensor.data as Float32Array);
    const report = applyMasks(g, { sparsity: 0.75 });
    // depthwise kernels are prunable too (issue #13)
    expect(report.layers.map((l) => l.node)).toEqual(['conv1', 'dw', 'dense1', 'logits']);
    for (const l of report.layers) {
      const w = g.node(l.node).weight('kernel');
      const k = Math.max(Math.round(l.params * 0.25), 1);
      expect(countNonZeros(w.tensor.data)).toBe(k); // random weights: no ties
      expect(l.targetSparsity).toBe(0.75);
      expect(l.achievedSparsity).toBeCloseTo(1 - k / l.params, 10);
      expect(checkMask(w.tensor, w.annotations.mask!).ok).toBe(true);
      expect(w.annotations.mask!.structure).toEqual({ kind: 'unstructured' });
    }
    expect(g.node('dense1').weight('bias').tensor.data).toEqual(biasBefore);
    expect(g.node('dw').weight('bias').tensor.data).toEqual(dwBiasBefore);
  });

  it('keeps the largest magnitudes', () => {
    const g = smallCnn();
    const before = Float32Array.from(g.node('logits').weight('kernel').tensor.data as Float32Array);
    applyMasks(g, { sparsity: 0.5, policy: { layers: ['logits'] } });
    const after = g.node('logits').weight('kernel').tensor.data as Float32Array;
    const keptMin = Math.min(...[...after].filter((v) => v !== 0).map(Math.abs));
    const prunedMax = Math.max(...[...before].filter((_, i) => after[i] === 0).map(Math.abs));
    expect(keptMin).toBeGreaterThan(prunedMax);
  });

  it('m:n (2:4) passes checkMN and records the structure', () => {
    const g = smallCnn();
    expect(checkMN(g, 2, 4).ok).toBe(false);
    const report = applyMasks(g, { sparsity: 0, structure: { kind: 'mn', m: 2, n: 4 } });
    const check = checkMN(g, 2, 4);
    expect(check.ok).toBe(true);
    expect(check.layers.map((l) => l.node)).toEqual(['conv1', 'dw', 'dense1', 'logits']);
    // conv1 has cin = 1: groups of one element, nothing to prune there
    expect(report.layers.find((l) => l.node === 'conv1')!.achievedSparsity).toBe(0);
    expect(report.layers.find((l) => l.node === 'dense1')!.achievedSparsity).toBe(0.5);
    expect(g.node('dense1').weight('kernel').annotations.mask!.structure).toEqual({
      kind: 'mn',
      m: 2,
      n: 4,
    });
    expect(g.node('dense1').weight('kernel').annotations.mask!.targetSparsity).toBe(0.5);
  });

  it('block pruning on Dense layers, rejected on conv kernels', () => {
    const g = smallCnn();
    expect(() =>
      applyMasks(g, {
        sparsity: 0.5,
        structure: { kind: 'block', blockSize: [2, 2], pooling: 'avg' },
      }),
    ).toThrow(/block pruning needs rank-2 weights; conv1\/kernel/);
    const r = applyMasks(g, {
      sparsity: 0.5,
      structure: { kind: 'block', blockSize: [4, 2], pooling: 'max' },
      policy: { ops: ['Dense'] },
    });
    const d = g.node('dense1').weight('kernel');
    const [rows, cols] = d.tensor.shape as [number, number];
    const m = d.annotations.mask!.mask;
    for (let r0 = 0; r0 < rows; r0 += 4) {
      for (let c0 = 0; c0 < cols; c0 += 2) {
        const first = m[r0 * cols + c0];
        for (let i = r0; i < r0 + 4; i++)
          for (let j = c0; j < c0 + 2; j++) expect(m[i * cols + j]).toBe(first);
      }
    }
    expect(r.layers.find((l) => l.node === 'dense1')!.maskSparsity).toBe(0.5);
  });

  it('the pass manager enforces the mask contract afterwards', async () => {
    const g = smallCnn();
    applyMasks(g, { sparsity: 0.5 });
    const breaker = {
      name: 'perturb',
      run: (graph: typeof g) => {
        const t = graph.node('dense1').weight('kernel').tensor.data as Float32Array;
        for (let i = 0; i < t.length; i++) t[i] = t[i]! + 1;
        return { changed: true };
      },
    };
    await expect(new PassManager({ logger: silentLogger }).add(breaker).run(g)).rejects.toThrow(
      /perturb broke the mask contract/,
    );
  });
});

describe('formatPruningReport', () => {
  it('tabulates target vs achieved per weight', () => {
    const g = smallCnn();
    const text = formatPruningReport(
      applyMasks(g, { sparsity: 0.5, policy: { layers: ['logits'] } }),
    );
    expect(text.split('\n')[0]).toMatch(/weight\s+op\s+params\s+structure\s+target\s+achieved/);
    expect(text).toMatch(/logits\/kernel\s+Dense\s+64\s+unstructured\s+50\.00%\s+50\.00%/);
  });
});
