import { GraphBuilder, type Graph } from '@collabopt/core';
import { treeReportModel } from './tree-report';
import { treePlan } from './tree-plan';

function dense(scale: number): Graph {
  const b = new GraphBuilder('g', { seed: 1 });
  const x = b.input('x', [-1, 4]);
  const g = b.build(b.layer('Dense', 'd', x, { units: 3 }));
  const k = g.node('d').weight('kernel').tensor.data as Float32Array;
  k.forEach((v, i) => (k[i] = v * scale));
  return g;
}

describe('treeReportModel', () => {
  it('gives each leaf its branch accuracy, full pipeline and stage path', () => {
    const plan = treePlan();
    const graphs = new Map<string, Graph>([
      ['baseline', dense(1)],
      ['pruned', dense(0.5)],
      ['pruned-clustered', dense(0.25)],
      ['pruned-clustered-pcqat', dense(0.125)],
    ]);
    const model = treeReportModel({
      plan,
      results: [
        {
          leaf: 'pruned-clustered-pcqat',
          label: 'pruned → sp-clustered → PCQAT',
          status: 'ok',
          simulatedAccuracy: 0.9,
          fileBytes: 1000,
          deflatedBytes: 400,
        },
        { leaf: 'clustered-cqat', label: 'clustered → CQAT', status: 'unavailable', reason: 'x' },
      ],
      branchAccuracy: new Map([
        ['baseline', 0.95],
        ['pruned-clustered', 0.93],
      ]),
      graphs,
      leafRecords: new Map([
        [
          'pruned-clustered-pcqat',
          [
            {
              pass: 'ptq',
              timeMs: 1,
              params: 15,
              nonZeros: 15,
              sparsity: 0,
              uniqueValues: {},
              bytes: 60,
              deflatedBytes: 50,
              report: { weights: [{ node: 'd', slot: 'kernel', sqnrDb: 40 }] },
            },
          ],
        ],
      ]),
      metadata: { seed: 0 },
    });
    const [pcqat, cqat] = model.leaves;
    expect(pcqat!.accuracy).toEqual({ float: 0.93, fakeInt8: 0.9 });
    expect(pcqat!.path).toEqual([
      'baseline',
      'pruned',
      'pruned-clustered',
      'pruned-clustered-pcqat',
    ]);
    const b = new Map(plan.branches.map((x) => [x.id, x.pipeline]));
    const leaf = plan.leaves.find((l) => l.id === 'pruned-clustered-pcqat')!;
    expect(pcqat!.pipeline).toBe(
      `${b.get('pruned')} | ${b.get('pruned-clustered')} | ${leaf.pipeline}`,
    );
    expect(cqat!.path).toBeUndefined(); // never built
    expect(model.baseline).toEqual({ label: 'baseline (float)', accuracy: 0.95 });
    expect(model.density!.stages.map((s) => s.label)).toEqual([
      'baseline (float)',
      'pruned',
      'sparsity-preserving clustering',
      'PCQAT → int8',
    ]);
    expect(model.layers.map((t) => t.id)).toEqual(['baseline', 'pruned-clustered-pcqat']);
    expect(model.layers[1]!.rows[0]!.weightSqnrDb).toBe(40);
  });
});
