import { seedPathGraphs } from '../test/two-dense-graph';
import { buildReportModel, type TreeLeafResult } from './build-report-model';
import { formatCompression, formatPercent } from './compression';
import { REPORT_DATA_ELEMENT_ID, renderHtml } from './render-html';
import { renderReport, reportFormatOf } from './render-report';
import type { AgreementReport } from './agreement-report';
import type { ReportModel } from './report-model';

const LEAVES: TreeLeafResult[] = [
  {
    leaf: 'baseline-ptq',
    label: 'baseline → PTQ',
    status: 'ok',
    floatAccuracy: 0.9812,
    simulatedAccuracy: 0.9801,
    runtimeAccuracy: 0.9799,
    sparsity: 0.0012,
    maxUniquePerKernel: 255,
    maxUniquePerChannel: 212,
    fileBytes: 110_000,
    deflatedBytes: 92_500,
    wallTimeMs: 4200,
    pipeline: 'ptq(mode=int8)',
    path: ['baseline', 'int8'],
  },
  {
    leaf: 'pruned-clustered-pcqat',
    label: 'pruned → sp-clustered → PCQAT',
    status: 'ok',
    floatAccuracy: 0.975,
    simulatedAccuracy: 0.9744,
    runtimeAccuracy: 0.9741,
    sparsity: 0.5003,
    maxUniquePerKernel: 16,
    maxUniquePerChannel: 16,
    fileBytes: 110_000,
    deflatedBytes: 31_000,
    wallTimeMs: 61_234,
    pipeline: 'prune(sparsity=0.5) | sparsityPreservingCluster(clusters=16) | pcqat(epochs=1)',
    path: ['baseline', 'pruned', 'clustered', 'int8'],
  },
  {
    leaf: 'clustered-ptq',
    label: 'clustered → PTQ',
    status: 'ok',
    simulatedAccuracy: 0.97,
    sparsity: 0.01,
    maxUniquePerKernel: 16,
    maxUniquePerChannel: 16,
    fileBytes: 110_000,
    deflatedBytes: 40_000,
  },
  {
    leaf: 'clustered-cqat',
    label: 'clustered → CQAT',
    status: 'unavailable',
    reason: 'pass cqat is not installed',
  },
];

function model(): ReportModel {
  const [baseline, pruned, clustered, int8] = seedPathGraphs();
  return buildReportModel({
    title: 'collabopt tree <test>',
    metadata: { dataSet: 'mnist', backend: 'cpu', seed: 0, reproduce: 'collabopt tree --seed 0' },
    baseline: { label: 'baseline (float)', accuracy: 0.9812 },
    leaves: LEAVES,
    layers: [{ id: 'int8', label: 'int8 leaf', graph: int8! }],
    density: {
      stages: [
        { id: 'baseline', label: 'baseline', graph: baseline! },
        { id: 'pruned', label: 'pruned', graph: pruned! },
        { id: 'clustered', label: 'clustered', graph: clustered! },
        { id: 'int8', label: 'int8', graph: int8! },
      ],
    },
  });
}

/** The `data-field`/`data-value` cells of the table row of one leaf. */
function rowCells(html: string, leaf: string): Map<string, { value: number; text: string }> {
  const row = new RegExp(`<tr[^>]*data-leaf="${leaf}"[^>]*>(.*?)</tr>`, 's').exec(html)?.[1];
  if (!row) throw new Error(`no row for ${leaf}`);
  const cells = new Map<string, { value: number; text: string }>();
  for (const m of row.matchAll(
    /<td[^>]*data-field="(\w+)"[^>]*data-value="([^"]+)"[^>]*>([^<]*)</g,
  ))
    cells.set(m[1]!, { value: Number(m[2]), text: m[3]! });
  return cells;
}

describe('the report model and its HTML', () => {
  it('marks the size/accuracy Pareto front among the ok leaves', () => {
    const m = model();
    // sizes 92.5k, 31k, 40k; accuracies (runtime, else fake-int8) .9799, .9741, .97
    expect(m.leaves.map((l) => l.pareto)).toEqual([true, true, false, undefined]);
    expect(m.density?.node).toBe('hidden'); // the largest kernel of the baseline
  });

  it('is JSON: the JSON file is the model, and the page carries the same JSON', async () => {
    const m = model();
    const json = await renderReport(m, 'json');
    expect(JSON.parse(json)).toEqual(m);
    const html = await renderHtml(m);
    const embedded = new RegExp(
      `<script type="application/json" id="${REPORT_DATA_ELEMENT_ID}">(.*?)</script>`,
      's',
    ).exec(html)![1]!;
    expect(embedded).not.toContain('<');
    expect(JSON.parse(embedded)).toEqual(m);
  });

  it('shows in the summary table exactly the numbers of the model', async () => {
    const m = model();
    const html = await renderHtml(m);
    for (const leaf of m.leaves) {
      expect(html).toContain(`data-leaf="${leaf.id}"`);
      if (leaf.status !== 'ok') continue;
      const cells = rowCells(html, leaf.id);
      const expected: [string, number | undefined, string][] = [
        ['float', leaf.accuracy.float, formatPercent(leaf.accuracy.float)],
        ['fakeInt8', leaf.accuracy.fakeInt8, formatPercent(leaf.accuracy.fakeInt8)],
        ['runtime', leaf.accuracy.runtime, formatPercent(leaf.accuracy.runtime)],
        ['sparsity', leaf.sparsity, formatPercent(leaf.sparsity, 1)],
        ['codesPerTensor', leaf.codesPerTensor, String(leaf.codesPerTensor)],
        ['codesPerChannel', leaf.codesPerChannel, String(leaf.codesPerChannel)],
      ];
      for (const [field, value, text] of expected) {
        if (value === undefined) expect(cells.has(field)).toBe(false);
        else expect(cells.get(field)).toEqual({ value, text });
      }
      expect(html).toContain(formatCompression(leaf.rawBytes, leaf.zippedBytes));
    }
    // the seed's column, by hand: 110000 B → 31000 B, 1 − 31000/110000 = 71.8%
    expect(html).toContain('107.4 KiB → 30.3 KiB (71.8%)');
    expect(html).toContain('unavailable: pass cqat is not installed');
  });

  it('renders the size/accuracy chart and one density panel per stage of each path as SVG', async () => {
    const warn = jest.spyOn(console, 'warn').mockImplementation(() => {});
    const html = await renderHtml(model());
    expect(warn).not.toHaveBeenCalled(); // Vega-Lite compiled every spec without complaint
    warn.mockRestore();
    expect(html.match(/data-chart="size-accuracy"/g)).toHaveLength(1);
    // two ok leaves with paths: 2 + 4 panels (shared stages are drawn once and reused)
    expect(html.match(/data-chart="density"/g)).toHaveLength(6);
    expect(html.match(/<svg[^>]*class="marks"/g)).toHaveLength(7);
    expect(html).not.toMatch(/<script(?![^>]*application\/json)/); // no executable script
    expect(html).not.toMatch(/(src|href)="https?:/); // nothing fetched when opened
    expect(html).toContain('&lt;test&gt;'); // the title is escaped
  });

  it('shows the per-layer table with the numbers of the model', async () => {
    const m = model();
    const html = await renderHtml(m);
    const row = m.layers[0]!.rows[0]!;
    const tr = /<tr data-node="hidden" data-slot="kernel">(.*?)<\/tr>/s.exec(html)![1]!;
    expect(tr).toContain(`data-field="params" data-value="${row.params}">${row.params}<`);
    expect(tr).toContain(`data-field="bits" data-value="8">8<`);
    expect(tr).toContain(`data-field="uniqueValues" data-value="3">3<`);
  });

  it('shows the agreement with the float reference per output, as float IR and as int8', async () => {
    const agreement: AgreementReport = {
      reference: 'input model (float, before the pipeline)',
      samples: 40,
      after: {
        metric: { name: 'top1Agreement', value: 0.975 },
        outputs: [
          {
            output: 'probabilities',
            head: 'softmax',
            top1Agreement: 0.975,
            sqnrDb: 'Infinity',
            maxRelativeError: 0,
          },
        ],
      },
      afterInt8: {
        metric: { name: 'top1Agreement', value: 0.95 },
        outputs: [
          {
            output: 'probabilities',
            head: 'softmax',
            top1Agreement: 0.95,
            sqnrDb: 24.25,
            maxRelativeError: 0.0312,
          },
        ],
      },
    };
    const m = buildReportModel({ title: 'collabopt optimize m.json', agreement });
    expect(m.agreement).toEqual(agreement);
    const html = await renderHtml(m);
    expect(html).toContain('<section id="agreement">');
    expect(html).toContain('input model (float, before the pipeline) on 40 held-out samples');
    const cells = (model: string): string[] =>
      [
        ...new RegExp(`<tr data-model="${model}" data-output="probabilities">(.*?)</tr>`, 's')
          .exec(html)![1]!
          .matchAll(/<td[^>]*>([^<]*)<\/td>/g),
      ].map((c) => c[1]!);
    expect(cells('float')).toEqual([
      'float IR',
      'probabilities',
      'softmax',
      '97.50%',
      '∞ dB',
      '0.00',
    ]);
    expect(cells('int8')).toEqual([
      'int8 simulation',
      'probabilities',
      'softmax',
      '95.00%',
      '24.3 dB',
      '0.0312',
    ]);
    expect(html).toContain('data-field="sqnrDb" data-value="Infinity"');
    // a labelled run has no agreement panel
    expect(await renderHtml(model())).not.toContain('id="agreement"');
  });

  it('tells the report format from the file name', () => {
    expect(reportFormatOf('out/Report.HTML')).toBe('html');
    expect(reportFormatOf('r.json')).toBe('json');
    expect(() => reportFormatOf('r.pdf')).toThrow(/must end in \.html or \.json/);
  });
});
