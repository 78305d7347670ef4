import { GraphBuilder, type Graph } from '@collabopt/core';
import type { TreeReport } from '@collabopt/preserve';
import { treeReportModel } from './tree-report';

function dense(scale: number): Graph {
  const b = new GraphBuilder('g', { seed: 1 });
  const x = b.input('x', [-1, 4]);
  const g = b.build(b.layer('Dense', 'd', x, { units: 3 }));
  const k = g.node('d').weight('kernel').tensor.data as Float32Array;
  k.forEach((v, i) => (k[i] = v * scale));
  return g;
}

const metric = (value: number, source: 'float' | 'int8-simulation') => ({
  kind: 'accuracy' as const,
  value,
  samples: 100,
  source,
});

/** A run's report as runTree writes it: baseline → pruned → sp-clustered, one leaf built, one failed. */
const REPORT = {
  version: 1,
  model: 'g',
  plan: { branches: [], leaves: [] },
  baseline: metric(0.95, 'float'),
  branches: [
    {
      id: 'baseline',
      label: 'baseline (float)',
      from: null,
      pipeline: null,
      status: 'ok',
      metric: metric(0.95, 'float'),
      warnings: [],
      seconds: 1,
    },
    {
      id: 'pruned',
      label: 'pruned',
      from: 'baseline',
      pipeline: 'prune(sparsity=0.5)',
      status: 'ok',
      metric: metric(0.94, 'float'),
      warnings: [],
      seconds: 1,
    },
    {
      id: 'pc',
      label: 'pruned → sparsity-preserving clustering',
      from: 'pruned',
      pipeline: 'sparsityPreservingCluster(clusters=16)',
      status: 'ok',
      metric: metric(0.93, 'float'),
      warnings: [],
      seconds: 1,
    },
  ],
  leaves: [
    {
      id: 'pc-pcqat',
      label: 'pruned → sp-clustered → PCQAT',
      from: 'pc',
      pipeline: 'pcqat(epochs=1)',
      status: 'ok',
      metric: metric(0.9, 'int8-simulation'),
      kernels: { sparsity: 0.5, maxUniquePerKernel: 16, maxUniquePerChannel: 16 },
      files: [{ path: 'pc-pcqat.tflite', bytes: 1000 }],
      bytes: 1000,
      deflatedBytes: 400,
      warnings: [],
      seconds: 2.5,
    },
    {
      id: 'pruned-pqat',
      label: 'pruned → PQAT',
      from: 'pruned',
      pipeline: 'pqat(epochs=1)',
      status: 'failed',
      error: { code: 'X', message: 'boom' },
      files: [],
      warnings: [],
      seconds: 0.1,
    },
  ],
  seconds: 10,
} as unknown as TreeReport;

describe('treeReportModel', () => {
  it('gives each leaf its branch accuracy, full pipeline and stage path', () => {
    const model = treeReportModel({
      report: REPORT,
      branches: new Map([
        ['baseline', dense(1)],
        ['pruned', dense(0.5)],
        ['pc', dense(0.25)],
      ]),
      leaves: new Map([['pc-pcqat', dense(0.125)]]),
      metadata: { seed: 0 },
    });
    const [pcqat, pqat] = model.leaves;
    expect(pcqat!.accuracy).toEqual({ float: 0.93, fakeInt8: 0.9 });
    expect(pcqat!.path).toEqual(['baseline', 'pruned', 'pc', 'pc-pcqat']);
    expect(pcqat!.pipeline).toBe(
      'prune(sparsity=0.5) | sparsityPreservingCluster(clusters=16) | pcqat(epochs=1)',
    );
    expect(pcqat).toMatchObject({
      rawBytes: 1000,
      zippedBytes: 400,
      wallTimeMs: 2500,
      codesPerChannel: 16,
    });
    expect(pqat).toMatchObject({ status: 'unavailable', reason: 'failed: boom' });
    expect(pqat!.path).toBeUndefined(); // never built
    expect(model.baseline).toEqual({ label: 'baseline (float)', accuracy: 0.95 });
    expect(model.density!.stages.map((s) => s.label)).toEqual([
      'baseline (float)',
      'pruned',
      'sparsity-preserving clustering',
      'PCQAT → int8',
    ]);
    expect(model.layers.map((t) => t.id)).toEqual(['baseline', 'pc-pcqat']);
  });
});
