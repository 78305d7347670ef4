/**
 * The report of a real (small) deployment-tree run, opened in a real headless Chromium with the
 * network blocked: every chart is an SVG of non-zero size, the page logs no error, the summary
 * table shows every leaf with the numbers of tree-report.json, the page fits a phone's width,
 * and screenshots land in e2e/artifacts/ for people to look at.
 */
import { promises as fs } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { execFileSync } from 'node:child_process';
import { build } from 'esbuild';
import { registerAllPlugins, treeCommand } from '@collabopt/cli';
import type { TreeLeafReport, TreeReport } from '@collabopt/preserve';
import { REPORT_DATA_ELEMENT_ID, formatPercent, type ReportModel } from '@collabopt/report';
import { capturedIo } from '../../packages/cli/test/captured-io';
import { launchOfflineChromium, type OfflineBrowser } from './chromium';

const ARTIFACTS = path.join(__dirname, '..', 'artifacts');
const ROOT = path.join(__dirname, '..', '..');

/** The `data-field`/`data-value` pairs of a page, in document order. */
function dataValues(html: string): string[] {
  return [...html.matchAll(/data-field="(\w+)"[^>]*data-value="([^"]*)"/g)].map(
    (m) => `${m[1]}=${m[2]}`,
  );
}

describe('the HTML report in headless Chromium', () => {
  let out: string;
  let leaves: readonly TreeLeafReport[];
  let browser: OfflineBrowser;

  beforeAll(async () => {
    registerAllPlugins();
    out = await fs.mkdtemp(path.join(os.tmpdir(), 'collabopt-report-'));
    const { io } = capturedIo();
    leaves = (await treeCommand(undefined, { data: 'mnist', seed: 0, epochs: 1, output: out }, io))
      .leaves;
    browser = await launchOfflineChromium();
  }, 900_000);

  afterAll(async () => {
    await browser?.close();
    if (out) await fs.rm(out, { recursive: true, force: true });
  });

  it('renders every chart and every leaf offline, without errors', async () => {
    const file = path.join(out, 'report.html');
    const page = await browser.newPage({ width: 1280, height: 900 });
    await page.goto(`file://${file}`, { waitUntil: 'load' });

    // the page's own copy of the model is the report of this run
    const model = JSON.parse(
      (await page.locator(`#${REPORT_DATA_ELEMENT_ID}`).textContent()) ?? '',
    ) as ReportModel;
    expect(model.leaves.map((l) => l.id)).toEqual(leaves.map((l) => l.id));

    // every chart is a drawn SVG of non-zero size
    const charts = page.locator('[data-chart]');
    const expectedPanels = model.leaves.reduce((n, l) => n + (l.path?.length ?? 0), 0);
    expect(expectedPanels).toBeGreaterThanOrEqual(2 * leaves.length); // baseline + leaf at least
    expect(await charts.count()).toBe(1 + expectedPanels);
    for (const chart of await charts.all()) {
      const svg = chart.locator('svg');
      expect(await svg.count()).toBe(1);
      const box = await svg.boundingBox();
      expect(box!.width).toBeGreaterThan(100);
      expect(box!.height).toBeGreaterThan(80);
      expect(await svg.locator('path, line, rect').count()).toBeGreaterThan(3);
    }

    // the summary table shows every leaf with the figures of tree-report.json
    const json = JSON.parse(
      await fs.readFile(path.join(out, 'tree-report.json'), 'utf8'),
    ) as TreeReport;
    for (const leaf of json.leaves) {
      const row = page.locator(`table.summary tr[data-leaf="${leaf.id}"]`);
      await expect(row.isVisible()).resolves.toBe(true);
      expect(await row.locator('[data-field="label"]').textContent()).toContain(leaf.label);
      if (leaf.status !== 'ok') continue;
      const fake = row.locator('[data-field="fakeInt8"]');
      expect(Number(await fake.getAttribute('data-value'))).toBe(leaf.metric!.value);
      expect(await fake.textContent()).toBe(formatPercent(leaf.metric!.value));
      const size = row.locator('[data-field="compression"]');
      expect(Number(await size.getAttribute('data-raw'))).toBe(leaf.bytes);
      expect(Number(await size.getAttribute('data-zipped'))).toBe(leaf.deflatedBytes);
    }
    expect(await page.locator('table.layers').count()).toBe(1 + leaves.length);

    await fs.mkdir(ARTIFACTS, { recursive: true });
    await fs.copyFile(file, path.join(ARTIFACTS, 'report.html'));
    await page.screenshot({ path: path.join(ARTIFACTS, 'report.png'), fullPage: true });

    // in print the charts stay drawn (the PDF is an artifact too)
    await page.emulateMedia({ media: 'print' });
    for (const svg of await page.locator('[data-chart] svg').all())
      expect((await svg.boundingBox())!.width).toBeGreaterThan(100);
    await page.pdf({ path: path.join(ARTIFACTS, 'report.pdf'), format: 'A4' });

    // on a phone: one column, wide tables scroll inside their box, the page itself does not
    const phone = await browser.newPage({ width: 390, height: 844 });
    await phone.goto(`file://${file}`, { waitUntil: 'load' });
    const overflow = await phone.evaluate(
      () => document.documentElement.scrollWidth - document.documentElement.clientWidth,
    );
    expect(overflow).toBeLessThanOrEqual(0);
    await phone.screenshot({ path: path.join(ARTIFACTS, 'report-phone.png'), fullPage: true });

    expect(browser.blocked).toEqual([]);
    expect(browser.errors).toEqual([]);
  }, 300_000);

  it('renders the same report inside the browser from the bundled package', async () => {
    // the web app's path: @collabopt/report bundled for the browser, rendering there
    execFileSync('npx', ['tsc', '-b', 'packages/report/tsconfig.json'], { cwd: ROOT });
    const bundle = await build({
      stdin: {
        contents: "export { renderHtml } from '@collabopt/report';",
        resolveDir: ROOT,
        loader: 'js',
      },
      bundle: true,
      platform: 'browser',
      format: 'iife',
      globalName: 'collaboptReport',
      write: false,
      logLevel: 'silent',
    });
    const code = bundle.outputFiles[0]!.text;
    expect(code).not.toMatch(/require\(["'](node:)?(fs|path|zlib|crypto|os)["']\)/);
    const file = path.join(out, 'report.html');
    const nodeHtml = await fs.readFile(file, 'utf8');
    const model = JSON.parse(
      /<script type="application\/json" id="collabopt-report-data">(.*?)<\/script>/s.exec(
        nodeHtml,
      )![1]!,
    ) as ReportModel;
    const page = await browser.newPage({ width: 1280, height: 900 });
    await page.goto(`file://${path.join(out, 'tree-report.json')}`);
    await page.addScriptTag({ content: code });
    const browserHtml = await page.evaluate(
      (m) =>
        (
          globalThis as unknown as {
            collaboptReport: { renderHtml(m: unknown): Promise<string> };
          }
        ).collaboptReport.renderHtml(m),
      model,
    );
    // same charts and the same numbers; SVG geometry may differ (the browser measures text)
    expect(browserHtml.match(/data-chart="/g)!.length).toBe(
      nodeHtml.match(/data-chart="/g)!.length,
    );
    expect(browserHtml.match(/<svg[^>]*class="marks"/g)!.length).toBe(
      nodeHtml.match(/<svg[^>]*class="marks"/g)!.length,
    );
    expect(dataValues(browserHtml)).toEqual(dataValues(nodeHtml));
    expect(browser.blocked).toEqual([]);
    expect(browser.errors).toEqual([]);
  }, 300_000);
});
