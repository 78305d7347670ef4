import type { TopLevelSpec } from 'vega-lite';
import type { PositionFieldDef } from 'vega-lite/build/src/channeldef';
import { CHART_CONFIG, COLORS } from './chart-theme';
import type { DensityFigure, DensityStage } from './report-model';

const PANEL_WIDTH = 280;
const PANEL_HEIGHT = 190;

/** Grid ticks are drawn only when there are at most this many in the domain. */
const MAX_GRID_TICKS = 300;

function gridTicks(stage: DensityStage, domain: readonly [number, number]): { value: number }[] {
  const step = stage.gridStep;
  if (!step || step <= 0) return [];
  const first = Math.ceil(domain[0] / step);
  const last = Math.floor(domain[1] / step);
  if (last - first + 1 > MAX_GRID_TICKS) return [];
  return Array.from({ length: last - first + 1 }, (_, k) => ({ value: (first + k) * step }));
}

/** Short description under a panel's title: distinct values, zeros, codebook and grid. */
export function densitySubtitle(stage: DensityStage): string {
  const zeros = stage.count ? (stage.zeros / stage.count) * 100 : 0;
  const parts = [`${stage.uniqueValues} values`, `${zeros.toFixed(zeros < 10 ? 1 : 0)}% zero`];
  if (stage.centroids) parts.push(`k=${stage.centroids.length}`);
  if (stage.gridStep !== undefined) parts.push(`Δ ${stage.gridStep.toExponential(1)}`);
  return parts.join(' · ');
}

/**
 * Vega-Lite spec of one panel of the seed's density figure: a histogram of the kernel's values
 * (or, with few distinct values, one spike per value), a line at zero, the codebook centroids as
 * triangles on the axis and the quantization grid as ticks, over the figure's common x domain.
 * Counts use a square-root scale so the spike at zero does not flatten everything else.
 */
export function densitySpec(figure: DensityFigure, stage: DensityStage): TopLevelSpec {
  const x: PositionFieldDef<string> = {
    type: 'quantitative',
    title: `${figure.node}/${figure.slot} value`,
    scale: { domain: [figure.domain[0], figure.domain[1]], nice: false, zero: false },
    axis: { tickCount: 5, format: '.2~f' },
  };
  const y = {
    type: 'quantitative',
    title: 'count (√)',
    scale: { type: 'sqrt' },
    axis: {
      tickCount: 3,
      labelExpr:
        "datum.value >= 1000 ? format(datum.value / 1000, '~g') + 'k' : format(datum.value, '~g')",
    },
  } as const;
  const layers: NonNullable<Extract<TopLevelSpec, { layer: unknown }>['layer']> = [];
  if (stage.spikes) {
    layers.push({
      data: { values: stage.spikes.map((s) => ({ ...s, base: 0 })) },
      mark: { type: 'rule', color: COLORS.accent, strokeWidth: 2 },
      encoding: { x: { ...x, field: 'value' }, y: { ...y, field: 'count' }, y2: { field: 'base' } },
    });
  } else {
    layers.push({
      data: { values: stage.bins.map((b) => ({ ...b })) },
      mark: { type: 'rect', color: COLORS.bars, opacity: 0.85 },
      encoding: { x: { ...x, field: 'x0' }, x2: { field: 'x1' }, y: { ...y, field: 'count' } },
    });
  }
  const ticks = gridTicks(stage, figure.domain);
  if (ticks.length > 0)
    layers.push({
      data: { values: ticks.map((t) => ({ ...t, base: 0 })) },
      mark: {
        type: 'tick',
        orient: 'vertical',
        color: COLORS.muted,
        size: 5,
        thickness: 0.6,
        opacity: 0.6,
      },
      encoding: { x: { ...x, field: 'value' }, y: { ...y, field: 'base' } },
    });
  if (stage.centroids)
    layers.push({
      data: { values: stage.centroids.map((value) => ({ value, base: 0 })) },
      mark: {
        type: 'point',
        shape: 'triangle-up',
        filled: true,
        size: 55,
        color: COLORS.centroid,
        opacity: 0.9,
      },
      encoding: { x: { ...x, field: 'value' }, y: { ...y, field: 'base' } },
    });
  layers.push({
    data: { values: [{ value: 0 }] },
    mark: { type: 'rule', color: COLORS.zero, strokeDash: [3, 2], strokeWidth: 1 },
    encoding: { x: { ...x, field: 'value' } },
  });
  return {
    // thousands of bins, spikes and grid ticks: one description for the chart, none per mark
    config: { ...CHART_CONFIG, mark: { aria: false } },
    description: `Density of ${figure.node}/${figure.slot} values at stage ${stage.label}: ${densitySubtitle(stage)}`,
    // every panel the same size, whatever its labels, so the rows line up
    width: PANEL_WIDTH,
    height: PANEL_HEIGHT,
    autosize: { type: 'fit', contains: 'padding' },
    title: { text: stage.label, subtitle: densitySubtitle(stage) },
    layer: layers,
  };
}
