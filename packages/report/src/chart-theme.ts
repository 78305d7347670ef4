/** Fonts, colours and sizes shared by every chart and the page, so they read as one document. */
export const FONT_STACK =
  "system-ui, -apple-system, 'Segoe UI', Roboto, 'Helvetica Neue', Arial, sans-serif";

export const COLORS = {
  ink: '#1f2933',
  muted: '#616e7c',
  grid: '#e4e7eb',
  accent: '#0b6bcb',
  front: '#d64545',
  dominated: '#9aa5b1',
  zero: '#d64545',
  centroid: '#0b6bcb',
  bars: '#5a8dd6',
} as const;

/** Vega-Lite `config` applied to every chart. */
export const CHART_CONFIG = {
  font: FONT_STACK,
  background: 'white',
  padding: 6,
  view: { stroke: null },
  axis: {
    labelColor: COLORS.muted,
    titleColor: COLORS.ink,
    titleFontWeight: 600,
    gridColor: COLORS.grid,
    domainColor: COLORS.dominated,
    tickColor: COLORS.dominated,
    labelFontSize: 10,
    titleFontSize: 11,
  },
  title: {
    color: COLORS.ink,
    fontSize: 12,
    fontWeight: 600,
    subtitleColor: COLORS.muted,
    subtitleFontSize: 10,
    anchor: 'start',
  },
  legend: {
    labelColor: COLORS.muted,
    titleColor: COLORS.ink,
    labelFontSize: 10,
    titleFontSize: 11,
  },
} as const;
