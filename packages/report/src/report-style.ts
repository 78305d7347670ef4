import { COLORS, FONT_STACK } from './chart-theme';

/** The report's only stylesheet, inlined: system fonts, one column on phones, clean print. */
export const REPORT_CSS = `
:root { color-scheme: light; }
* { box-sizing: border-box; }
body { margin: 0; font: 15px/1.5 ${FONT_STACK}; color: ${COLORS.ink}; background: #f5f7fa; }
main { max-width: 1180px; margin: 0 auto; padding: 24px 20px 48px; }
header h1 { font-size: 1.6rem; margin: 0 0 4px; letter-spacing: -0.01em; }
header p.meta { margin: 0; color: ${COLORS.muted}; font-size: 0.9rem; }
section { background: white; border: 1px solid ${COLORS.grid}; border-radius: 10px; padding: 16px 18px; margin: 18px 0; }
section > h2 { font-size: 1.15rem; margin: 0 0 4px; }
section > p.lead { margin: 0 0 12px; color: ${COLORS.muted}; font-size: 0.9rem; }
h3 { font-size: 1rem; margin: 18px 0 6px; }
.scroll { overflow-x: auto; -webkit-overflow-scrolling: touch; }
table { border-collapse: collapse; width: 100%; font-size: 0.85rem; font-variant-numeric: tabular-nums; }
th, td { padding: 6px 8px; border-bottom: 1px solid ${COLORS.grid}; text-align: right; white-space: nowrap; }
th { font-weight: 600; color: ${COLORS.muted}; font-size: 0.74rem; text-transform: uppercase; letter-spacing: 0.03em; vertical-align: bottom; white-space: normal; min-width: 4.5em; }
th.text, td.text { text-align: left; }
tbody tr:hover { background: #f0f4f8; }
table.summary td:first-child, table.summary th:first-child { position: sticky; left: 0; background: white; z-index: 1; }
tr.baseline td { color: ${COLORS.muted}; font-style: italic; }
tr.unavailable td { color: ${COLORS.muted}; }
.badge { display: inline-block; margin-left: 6px; padding: 0 6px; border-radius: 8px; font-size: 0.72rem; font-weight: 600; color: white; background: ${COLORS.front}; vertical-align: 1px; }
figure { margin: 0; }
.chart svg { display: block; max-width: 100%; height: auto; }
.panels { display: grid; grid-template-columns: repeat(auto-fill, minmax(215px, 1fr)); gap: 8px 14px; }
.panels .chart svg { width: 100%; }
.path { margin: 14px 0 20px; }
.path figcaption { font-weight: 600; margin-bottom: 4px; }
.path figcaption code { font-weight: normal; }
code, pre { font-family: ui-monospace, SFMono-Regular, Menlo, Consolas, monospace; font-size: 0.84rem; }
pre { background: #f0f4f8; padding: 10px 12px; border-radius: 6px; white-space: pre-wrap; word-break: break-word; margin: 6px 0; }
dl { display: grid; grid-template-columns: minmax(0, max-content) minmax(0, 1fr); gap: 4px 16px; margin: 0; font-size: 0.9rem; }
dt { color: ${COLORS.muted}; }
dd { margin: 0; overflow-wrap: anywhere; }
figcaption, h2, h3 { overflow-wrap: anywhere; }
.legend { color: ${COLORS.muted}; font-size: 0.85rem; }
.legend .zero { color: ${COLORS.zero}; font-weight: 600; }
.legend .centroid { color: ${COLORS.centroid}; font-weight: 600; }
@media (max-width: 640px) {
  body { font-size: 14px; }
  main { padding: 14px 10px 32px; }
  section { padding: 12px; border-radius: 8px; }
  th, td { padding: 5px 7px; }
  .panels { grid-template-columns: 1fr; }
  dl { grid-template-columns: minmax(0, 1fr); }
  dd { margin-bottom: 6px; }
}
@media print {
  body { background: white; font-size: 10pt; }
  main { max-width: none; padding: 0; }
  section { border: none; padding: 0; margin: 12pt 0; break-inside: avoid-page; }
  .path, figure, tr { break-inside: avoid; }
  .scroll { overflow: visible; }
  th, td { white-space: normal; }
}
`;
