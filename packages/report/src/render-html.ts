import { chartSvg } from './chart-svg';
import {
  compressionReduction,
  formatBytes,
  formatCompression,
  formatPercent,
  formatSeconds,
} from './compression';
import { densitySpec } from './density-chart';
import { escapeHtml, jsonForScript } from './html';
import { REPORT_CSS } from './report-style';
import type { AgreementFigures, AgreementReport } from './agreement-report';
import type { DensityFigure, LayerTable, LeafReport, ReportModel } from './report-model';
import { qualityMetricText, type QualityMetricText } from './quality-metric';
import { sizeAccuracySpec } from './size-accuracy-chart';

/** Id of the `<script type="application/json">` element that carries the model in the page. */
export const REPORT_DATA_ELEMENT_ID = 'collabopt-report-data';

/** A table cell; `value` becomes `data-value` so tools and tests can read the exact number. */
function cell(text: string, field?: string, value?: number, cls?: string): string {
  const attrs = [
    cls ? ` class="${cls}"` : '',
    field ? ` data-field="${field}"` : '',
    value !== undefined ? ` data-value="${value}"` : '',
  ].join('');
  return `<td${attrs}>${escapeHtml(text)}</td>`;
}

function summaryRow(l: LeafReport, q: QualityMetricText): string {
  const label = `<td class="text" data-field="label">${escapeHtml(l.label)}${l.pareto ? `<span class="badge" title="on the size/${q.name} Pareto front">Pareto</span>` : ''}</td>`;
  if (l.status !== 'ok')
    return `<tr class="unavailable" data-leaf="${escapeHtml(l.id)}">${label}<td class="text" colspan="8">unavailable: ${escapeHtml(l.reason ?? '')}</td></tr>`;
  const compression =
    l.rawBytes !== undefined && l.zippedBytes !== undefined
      ? `<td data-field="compression" data-raw="${l.rawBytes}" data-zipped="${l.zippedBytes}" data-value="${compressionReduction(l.rawBytes, l.zippedBytes)}">${escapeHtml(formatCompression(l.rawBytes, l.zippedBytes))}</td>`
      : cell('');
  return [
    `<tr data-leaf="${escapeHtml(l.id)}">`,
    label,
    cell(q.format(l.accuracy.float), 'float', l.accuracy.float),
    cell(q.format(l.accuracy.fakeInt8), 'fakeInt8', l.accuracy.fakeInt8),
    cell(q.format(l.accuracy.runtime), 'runtime', l.accuracy.runtime),
    compression,
    cell(formatPercent(l.sparsity, 1), 'sparsity', l.sparsity),
    cell(
      l.codesPerTensor === undefined ? '' : String(l.codesPerTensor),
      'codesPerTensor',
      l.codesPerTensor,
    ),
    cell(
      l.codesPerChannel === undefined ? '' : String(l.codesPerChannel),
      'codesPerChannel',
      l.codesPerChannel,
    ),
    cell(formatSeconds(l.wallTimeMs), 'wallTimeMs', l.wallTimeMs),
    '</tr>',
  ].join('');
}

function summarySection(model: ReportModel): string {
  if (model.leaves.length === 0 && !model.baseline) return '';
  const q = qualityMetricText(model.metric);
  const b = model.baseline;
  const baselineRow = b
    ? `<tr class="baseline" data-leaf="baseline"><td class="text">${escapeHtml(b.label)}</td>${cell(q.format(b.accuracy), 'float', b.accuracy)}${cell('')}${cell('')}${cell(formatCompression(b.rawBytes, b.zippedBytes) || (b.rawBytes !== undefined ? formatBytes(b.rawBytes) : ''))}${cell('')}${cell('')}${cell('')}${cell('')}</tr>`
    : '';
  return `<section id="summary"><h2>Leaves</h2>
<p class="lead">Quality of each deployable file (${escapeHtml(q.description)}) as float, as the engine's int8 simulation and as run by the real runtime; its size raw → zipped (reduction); kernel sparsity; distinct int8 codes per kernel and per output channel.</p>
<div class="scroll"><table class="summary" data-metric="${q.name}"><thead><tr><th class="text">leaf</th><th>float ${q.short}</th><th>fake-int8 ${q.short}</th><th>runtime ${q.short}</th><th>raw → zipped (reduction)</th><th>sparsity</th><th>codes / tensor</th><th>codes / channel</th><th>wall time</th></tr></thead>
<tbody>${baselineRow}${model.leaves.map((l) => summaryRow(l, q)).join('\n')}</tbody></table></div></section>`;
}

/** An SQNR as table text; the JSON's "Infinity" (identical outputs) as ∞. */
function sqnrText(db: number | 'Infinity'): string {
  return db === 'Infinity' ? '∞ dB' : `${db.toFixed(1)} dB`;
}

function agreementRows(model: string, figures: AgreementFigures): string {
  return figures.outputs
    .map((o) =>
      [
        `<tr data-model="${model}" data-output="${escapeHtml(o.output)}">`,
        `<td class="text">${model === 'int8' ? 'int8 simulation' : 'float IR'}</td>`,
        `<td class="text">${escapeHtml(o.output)}</td>`,
        `<td class="text">${escapeHtml(o.head)}</td>`,
        cell(
          o.top1Agreement === undefined ? '' : formatPercent(o.top1Agreement),
          'top1Agreement',
          o.top1Agreement,
        ),
        cell(sqnrText(o.sqnrDb), 'sqnrDb', o.sqnrDb === 'Infinity' ? Infinity : o.sqnrDb),
        cell(o.maxRelativeError.toPrecision(3), 'maxRelativeError', o.maxRelativeError),
        '</tr>',
      ].join(''),
    )
    .join('\n');
}

function agreementSection(a: AgreementReport): string {
  return `<section id="agreement"><h2>Agreement with the float reference</h2>
<p class="lead">Without labels there is no accuracy: each output of the result is compared with the same output of the ${escapeHtml(a.reference)} on ${a.samples} held-out samples — top-1 agreement for classifier heads, SQNR and the largest relative error for every output.</p>
<div class="scroll"><table class="agreement"><thead><tr><th class="text">model</th><th class="text">output</th><th class="text">head</th><th>top-1 agreement</th><th>SQNR</th><th>max relative error</th></tr></thead>
<tbody>${agreementRows('float', a.after)}${a.afterInt8 ? `\n${agreementRows('int8', a.afterInt8)}` : ''}</tbody></table></div></section>`;
}

async function sizeAccuracySection(model: ReportModel): Promise<string> {
  const spec = sizeAccuracySpec(model);
  if (!spec) return '';
  const q = qualityMetricText(model.metric);
  return `<section id="size-accuracy"><h2>Size vs ${q.name}</h2>
<p class="lead">Each leaf at its zipped size and ${escapeHtml(q.description)} (real runtime where measured, else the int8 simulation). Leaves no other leaf beats on both are the Pareto front; the dashed line is the baseline.</p>
<figure class="chart" data-chart="size-accuracy">${await chartSvg(spec)}</figure></section>`;
}

async function densitySection(model: ReportModel, figure: DensityFigure): Promise<string> {
  const stages = new Map(figure.stages.map((s) => [s.id, s]));
  const svgs = new Map<string, Promise<string>>();
  const panel = (id: string): Promise<string> => {
    let svg = svgs.get(id);
    if (!svg) svgs.set(id, (svg = chartSvg(densitySpec(figure, stages.get(id)!))));
    return svg;
  };
  const paths = model.leaves
    .filter((l) => l.status === 'ok' && l.path && l.path.every((id) => stages.has(id)))
    .map((l) => ({ label: l.label, pipeline: l.pipeline, path: l.path! }));
  if (paths.length === 0)
    paths.push({ label: 'stages', pipeline: undefined, path: figure.stages.map((s) => s.id) });
  const rows: string[] = [];
  for (const p of paths) {
    const panels: string[] = [];
    for (const id of p.path)
      panels.push(
        `<div class="chart" data-chart="density" data-stage="${escapeHtml(id)}">${await panel(id)}</div>`,
      );
    rows.push(
      `<figure class="path"><figcaption>${escapeHtml(p.label)}${p.pipeline ? ` <code>${escapeHtml(p.pipeline)}</code>` : ''}</figcaption><div class="panels">${panels.join('')}</div></figure>`,
    );
  }
  return `<section id="density"><h2>Weight density of ${escapeHtml(`${figure.node}/${figure.slot}`)}</h2>
<p class="lead">The values of kernel <code>${escapeHtml(figure.node)}/${escapeHtml(figure.slot)}</code> [${figure.shape.join('×')}] at each stage of the path to each leaf: a bell curve when trained, a spike at <span class="legend zero">zero</span> after pruning, k spikes at the <span class="legend centroid">▲ centroids</span> after clustering, on the int8 grid (ticks) after quantization. Counts on a square-root scale.</p>
${rows.join('\n')}</section>`;
}

function layerSection(tables: readonly LayerTable[]): string {
  if (tables.length === 0) return '';
  const optional = [
    ['clusters', 'clusters', (v: number) => String(v)],
    ['weightSqnrDb', 'weight SQNR dB', (v: number) => v.toFixed(1)],
    ['activationSqnrDb', 'activation SQNR dB', (v: number) => v.toFixed(1)],
    ['sensitivity', 'sensitivity', (v: number) => formatPercent(v)],
  ] as const;
  const html = tables.map((t) => {
    const shown = optional.filter(([k]) => t.rows.some((r) => r[k] !== undefined));
    const head = `<tr><th class="text">layer</th><th class="text">op</th><th class="text">weight</th><th class="text">shape</th><th>params</th><th>sparsity</th><th>unique</th><th>bits</th>${shown.map(([, h]) => `<th>${h}</th>`).join('')}</tr>`;
    const body = t.rows
      .map(
        (r) =>
          `<tr data-node="${escapeHtml(r.node)}" data-slot="${escapeHtml(r.slot)}"><td class="text">${escapeHtml(r.node)}</td><td class="text">${escapeHtml(r.op)}</td><td class="text">${escapeHtml(r.slot)}</td><td class="text">${r.shape.join('×')}</td>${cell(String(r.params), 'params', r.params)}${cell(formatPercent(r.sparsity, 1), 'sparsity', r.sparsity)}${cell(String(r.uniqueValues), 'uniqueValues', r.uniqueValues)}${cell(String(r.bits), 'bits', r.bits)}${shown
            .map(([k, , f]) => {
              const v = r[k];
              return cell(v === undefined ? '' : f(v), k, v);
            })
            .join('')}</tr>`,
      )
      .join('\n');
    return `<h3 id="layers-${escapeHtml(t.id)}">${escapeHtml(t.label)} <span class="legend">${t.params} parameters, ${formatPercent(t.sparsity, 1)} zeros</span></h3>
<div class="scroll"><table class="layers" data-table="${escapeHtml(t.id)}"><thead>${head}</thead><tbody>${body}</tbody></table></div>`;
  });
  return `<section id="layers"><h2>Layers</h2><p class="lead">Every weight tensor: parameters, fraction of zeros, distinct values, stored bits, and the codebook size and quantization SQNR where known.</p>${html.join('\n')}</section>`;
}

function reproduceSection(model: ReportModel): string {
  const m = model.metadata;
  const items: [string, string | undefined][] = [
    ['command', m.command],
    ['model', m.model],
    ['data set', m.dataSet],
    ['preprocessing', m.preprocessing],
    ['backend', m.backend],
    ['seed', m.seed === undefined ? undefined : String(m.seed)],
    ['created', m.createdAt],
    ...Object.entries(m.versions ?? {}).map(([k, v]): [string, string] => [k, v]),
  ];
  const dl = items
    .filter((i): i is [string, string] => i[1] !== undefined && i[1] !== '')
    .map(([k, v]) => `<dt>${escapeHtml(k)}</dt><dd>${escapeHtml(v)}</dd>`)
    .join('');
  const pipelines = model.leaves
    .filter((l) => l.pipeline)
    .map((l) => `<dt>${escapeHtml(l.label)}</dt><dd><code>${escapeHtml(l.pipeline!)}</code></dd>`)
    .join('');
  if (!dl && !pipelines && !m.reproduce) return '';
  return `<section id="reproduce"><h2>Reproduce</h2>
${m.reproduce ? `<pre data-field="reproduce">${escapeHtml(m.reproduce)}</pre>` : ''}
${dl ? `<dl>${dl}</dl>` : ''}
${pipelines ? `<h3>Pipelines</h3><dl class="pipelines">${pipelines}</dl>` : ''}</section>`;
}

/**
 * The report as one self-contained HTML page: inline styles, charts already rendered to inline
 * SVG, system fonts, no script and no network access when opened; the model itself rides along
 * as JSON in a `<script type="application/json">` element. Readable on a phone and in print.
 */
export async function renderHtml(model: ReportModel): Promise<string> {
  const m = model.metadata;
  const meta = [
    m.dataSet && `data ${m.dataSet}`,
    m.backend && `backend ${m.backend}`,
    m.seed !== undefined && `seed ${m.seed}`,
    m.createdAt,
  ]
    .filter(Boolean)
    .join(' · ');
  const sections = [
    summarySection(model),
    model.agreement ? agreementSection(model.agreement) : '',
    await sizeAccuracySection(model),
    model.density ? await densitySection(model, model.density) : '',
    layerSection(model.layers),
    reproduceSection(model),
  ];
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>${escapeHtml(model.title)}</title>
<style>${REPORT_CSS}</style></head>
<body><main>
<header><h1>${escapeHtml(model.title)}</h1>${meta ? `<p class="meta">${escapeHtml(meta)}</p>` : ''}</header>
${sections.filter(Boolean).join('\n')}
</main>
<script type="application/json" id="${REPORT_DATA_ELEMENT_ID}">${jsonForScript(model)}</script>
</body></html>
`;
}
