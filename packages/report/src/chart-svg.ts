import * as vega from 'vega';
import { compile, type TopLevelSpec } from 'vega-lite';

/** Coordinates in attribute values rounded to 1/100 px: the same picture, a fraction of the bytes. */
export function roundSvgCoordinates(svg: string): string {
  return svg.replace(
    /="([^"]*)"/g,
    (_, value: string) =>
      `="${value.replace(/-?\d+\.\d{3,}/g, (n) => String(Math.round(Number(n) * 100) / 100))}"`,
  );
}

/**
 * Render a Vega-Lite spec to an SVG string, headless (no DOM, no canvas: text is measured by
 * Vega's estimate), so the report embeds finished charts and needs no script when opened.
 * Works the same in Node and in a browser.
 */
export async function chartSvg(spec: TopLevelSpec): Promise<string> {
  const view = new vega.View(vega.parse(compile(spec).spec), { renderer: 'none' });
  try {
    return roundSvgCoordinates(await view.toSVG());
  } finally {
    view.finalize();
  }
}
