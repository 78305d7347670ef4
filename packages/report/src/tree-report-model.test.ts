import { GraphBuilder, type Graph, type PassRecord } from '@collabopt/core';
import { formatLeafTable } from './leaf-table';
import { renderHtml } from './render-html';
import { treeReportModel, type TreeRunSummary } from './tree-report-model';

function dense(scale: number): Graph {
  const b = new GraphBuilder('g', { seed: 1 });
  const x = b.input('x', [-1, 4]);
  const g = b.build(b.layer('Dense', 'd', x, { units: 3 }));
  const k = g.node('d').weight('kernel').tensor.data as Float32Array;
  k.forEach((v, i) => (k[i] = v * scale));
  return g;
}

const metric = (
  value: number,
  source: 'float' | 'int8-simulation',
  kind: 'accuracy' | 'agreement' = 'accuracy',
) => ({
  kind,
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
} as const;

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

const BRANCHES = () =>
  new Map([
    ['baseline', dense(1)],
    ['pruned', dense(0.5)],
    ['pc', dense(0.25)],
  ]);

/** The statistics of a ptq pass run, with the SQNR figures its report carries. */
const PTQ_RECORD: PassRecord = {
  pass: 'ptq',
  timeMs: 5,
  params: 15,
  nonZeros: 15,
  sparsity: 0,
  uniqueValues: {},
  maxUniquePerKernel: 12,
  bytes: 60,
  deflatedBytes: 50,
  report: {
    weights: [{ node: 'd', slot: 'kernel', sqnrDb: 38.25 }],
    activations: [{ value: 'd', sqnrDb: 29.5 }],
  },
};

describe('treeReportModel with pass records', () => {
  it("puts the SQNR a leaf's quantizing pass reported into that leaf's layer table", async () => {
    const leafGraph = dense(0.125);
    const activation = leafGraph.node('d').outputs[0]!.name;
    const record = {
      ...PTQ_RECORD,
      report: { ...PTQ_RECORD.report, activations: [{ value: activation, sqnrDb: 29.5 }] },
    };
    const model = treeReportModel({
      report: REPORT,
      branches: BRANCHES(),
      leaves: new Map([['pc-pcqat', leafGraph]]),
      passRecords: new Map([['pc-pcqat', [record]]]),
      metadata: {},
    });
    const [baselineTable, leafTable] = model.layers;
    expect(baselineTable!.rows.find((r) => r.slot === 'kernel')?.weightSqnrDb).toBeUndefined();
    const kernel = leafTable!.rows.find((r) => r.node === 'd' && r.slot === 'kernel')!;
    expect(kernel.weightSqnrDb).toBe(38.25);
    expect(kernel.activationSqnrDb).toBe(29.5);
    const html = await renderHtml(model);
    expect(html).toContain('<th>weight SQNR dB</th>');
    expect(html).toContain('data-field="weightSqnrDb" data-value="38.25">38.3</td>');
  });
});

describe('treeReportModel without labels', () => {
  /** The same run measured by agreement with the float model (unlabelled test data). */
  const UNLABELLED: TreeRunSummary = {
    ...REPORT,
    baseline: null,
    branches: REPORT.branches.map((b) => ({
      ...b,
      metric: { ...b.metric, kind: 'agreement' as const },
    })),
    leaves: REPORT.leaves.map((l) =>
      'metric' in l ? { ...l, metric: { ...l.metric, kind: 'agreement' as const } } : l,
    ),
  };

  it('calls every figure an agreement: JSON, HTML table and chart axis, terminal table', async () => {
    const model = treeReportModel({
      report: UNLABELLED,
      branches: BRANCHES(),
      leaves: new Map([['pc-pcqat', dense(0.125)]]),
      metadata: {},
    });
    expect(model.metric).toBe('agreement');
    expect(JSON.parse(JSON.stringify(model)).metric).toBe('agreement');
    const html = await renderHtml(model);
    expect(html).toContain('<th>fake-int8 agr</th>');
    expect(html).toContain('Size vs agreement');
    expect(html).toContain('agreement with the float model (%)');
    expect(html).not.toMatch(/\bacc\b|accuracy \(%\)|Size vs accuracy/);
    const table = formatLeafTable(model);
    expect(table).toContain('int8 sim agreement');
    expect(table).toContain('90.00%');
    expect(table).not.toContain('accuracy');
  });

  it('says accuracy for labelled data', () => {
    const model = treeReportModel({
      report: REPORT,
      branches: BRANCHES(),
      leaves: new Map(),
      metadata: {},
    });
    expect(model.metric).toBe('accuracy');
    expect(formatLeafTable(model, { leafHeader: 'leaf (int8 TFLite)' })).toMatch(
      /leaf \(int8 TFLite\) +│? *int8 sim accuracy/,
    );
  });
});
