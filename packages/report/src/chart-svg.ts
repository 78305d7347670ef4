import * as vega from 'vega';
import { compile, type TopLevelSpec } from 'vega-lite';

/**
 * Render a Vega-Lite spec to an SVG string, headless (no DOM, no canvas: text is measured by
 * Vega's estimate), so the report embeds finished charts and needs no script when opened.
 * Works the same in Node and in a browser.
 */
export async function chartSvg(spec: TopLevelSpec): Promise<string> {
  const view = new vega.View(vega.parse(compile(spec).spec), { renderer: 'none' });
  try {
    return await view.toSVG();
  } finally {
    view.finalize();
  }
}
