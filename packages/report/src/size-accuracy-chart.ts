import type { TopLevelSpec } from 'vega-lite';
import { leafAccuracy } from './build-report-model';
import { CHART_CONFIG, COLORS } from './chart-theme';
import { qualityMetricText } from './quality-metric';
import type { ReportModel } from './report-model';

const KIND_COLOR = {
  'Pareto front': COLORS.front,
  dominated: COLORS.dominated,
  baseline: COLORS.ink,
} as const;

/** One plotted point: a leaf, or the baseline. */
interface SizeAccuracyPoint {
  readonly label: string;
  readonly kib: number;
  readonly accuracy: number;
  readonly kind: 'Pareto front' | 'dominated' | 'baseline';
}

/** The points of the size/accuracy chart (ok leaves with a zipped size and an accuracy). */
export function sizeAccuracyPoints(model: ReportModel): SizeAccuracyPoint[] {
  const q = qualityMetricText(model.metric);
  const points: SizeAccuracyPoint[] = [];
  for (const l of model.leaves) {
    const accuracy = leafAccuracy(l);
    if (l.status !== 'ok' || l.zippedBytes === undefined || accuracy === undefined) continue;
    points.push({
      label: l.label,
      kib: l.zippedBytes / 1024,
      accuracy: q.chartValue(accuracy),
      kind: l.pareto ? 'Pareto front' : 'dominated',
    });
  }
  const b = model.baseline;
  if (b?.zippedBytes !== undefined && b.accuracy !== undefined)
    points.push({
      label: b.label,
      kib: b.zippedBytes / 1024,
      accuracy: q.chartValue(b.accuracy),
      kind: 'baseline',
    });
  return points;
}

/**
 * Vega-Lite spec of the size-vs-accuracy chart: every leaf at (zipped size, accuracy), the Pareto
 * front joined by a line and coloured, the baseline as a dashed accuracy line (and a point when its
 * size is known). Undefined when no leaf has both figures.
 */
export function sizeAccuracySpec(model: ReportModel): TopLevelSpec | undefined {
  const q = qualityMetricText(model.metric);
  const points = sizeAccuracyPoints(model);
  if (!points.some((p) => p.kind !== 'baseline')) return undefined;
  const kinds = (['Pareto front', 'dominated', 'baseline'] as const).filter((k) =>
    points.some((p) => p.kind === k),
  );
  const front = points.filter((p) => p.kind === 'Pareto front').sort((a, b) => a.kib - b.kib);
  const x = {
    field: 'kib',
    type: 'quantitative',
    title: 'zipped size (KiB)',
    scale: { zero: false, nice: true },
  } as const;
  const y = {
    field: 'accuracy',
    type: 'quantitative',
    title: q.axisTitle,
    scale: { zero: false, nice: true },
  } as const;
  const layers: NonNullable<Extract<TopLevelSpec, { layer: unknown }>['layer']> = [
    {
      data: { values: front },
      mark: { type: 'line', color: COLORS.front, strokeWidth: 1.5, strokeDash: [4, 3] },
      encoding: { x, y },
    },
    {
      data: { values: points },
      mark: { type: 'point', filled: true, size: 90, opacity: 1 },
      encoding: {
        x,
        y,
        color: {
          field: 'kind',
          type: 'nominal',
          title: null,
          scale: {
            domain: [...kinds],
            range: kinds.map((k) => KIND_COLOR[k]),
          },
          legend: { orient: 'bottom', direction: 'horizontal' },
        },
        shape: {
          field: 'kind',
          type: 'nominal',
          title: null,
          scale: {
            domain: [...kinds],
            range: kinds.map((k) => (k === 'baseline' ? 'diamond' : 'circle')),
          },
          legend: { orient: 'bottom', direction: 'horizontal' },
        },
        tooltip: [
          { field: 'label' },
          { field: 'kib', format: '.1f' },
          { field: 'accuracy', title: q.name, format: '.2f' },
        ],
      },
    },
    {
      data: { values: points },
      mark: { type: 'text', align: 'left', dx: 7, dy: -6, fontSize: 9, color: COLORS.muted },
      encoding: { x, y, text: { field: 'label' } },
    },
  ];
  const baseline = model.baseline;
  if (baseline?.accuracy !== undefined) {
    const datum = { accuracy: q.chartValue(baseline.accuracy), label: `${baseline.label}` };
    layers.push(
      {
        data: { values: [datum] },
        mark: { type: 'rule', color: COLORS.ink, strokeDash: [2, 2], opacity: 0.7 },
        encoding: { y },
      },
      {
        data: { values: [datum] },
        mark: {
          type: 'text',
          align: 'left',
          baseline: 'bottom',
          x: 4,
          dy: -2,
          fontSize: 9,
          color: COLORS.ink,
        },
        encoding: { y, text: { field: 'label' } },
      },
    );
  }
  return {
    config: CHART_CONFIG,
    width: 640,
    height: 320,
    layer: layers,
  };
}
