/**
 * The web app's deployment tree and image folders, end to end in headless Chromium (issue #19):
 * the digits tree runs in the page's worker and every leaf's .tflite is checked in TF's
 * interpreter against `collabopt tree` (Node CLI, wasm) for the same seed; a user model is
 * optimized with sample images from a folder given to the directory picker and compared with
 * `collabopt optimize --data <folder>`; the option forms write the text pipeline. The page's
 * and the CLI's tree times are printed (the done-when asks for the page within 2× of Node).
 */
import { mkdirSync, readFileSync, readdirSync } from 'node:fs';
import { loadavg } from 'node:os';
import * as path from 'node:path';
import { runPython } from '../helpers/oracle';
import {
  compareTflite,
  testDigitsArguments,
  writeDigitsFixture,
  type TfliteComparison,
} from './digits-fixture';
import { optimizeWithNodePeer, runNodePeer } from './node-peer';
import { describeInChromium, saveDownloads, textWhen, webAppSuite } from './web-app';

const SEED = 5;
const IMAGES_PER_CLASS = 60;
/** 480 training images (80% of the folder) are 4 batches: the masks update every 2 steps. */
const PIPELINE = 'prune(sparsity=0.5, epochs=1, frequency=2) | ptq';

describeInChromium(
  'collabopt web app: tree, image folders and option forms in headless Chromium',
  () => {
    const web = webAppSuite('collabopt-web-tree-', (dir) =>
      writeDigitsFixture(dir, { imagesPerClass: IMAGES_PER_CLASS }),
    );

    it("builds a pipeline from forms generated from the passes' option schemas", async () => {
      const { page } = web;
      await page.click('#forms summary');
      await page.selectOption('#pass-picker', 'prune');
      await page.click('#add-step');
      const prune = page.locator('fieldset[data-pass="prune"]');
      // generated from the schema: a number field with the range, an enum select, the default shown
      const sparsity = prune.locator('[data-option="sparsity"] input');
      expect(await sparsity.getAttribute('type')).toBe('number');
      expect(await sparsity.getAttribute('min')).toBe('0');
      expect(await prune.locator('[data-option="sparsity"]').textContent()).toMatch(/≥ 0, < 1/);
      expect(await sparsity.getAttribute('placeholder')).toBe('0.5');
      expect(
        await prune.locator('[data-option="schedule"] select option').allTextContents(),
      ).toEqual(expect.arrayContaining(['constant', 'polynomial']));
      await sparsity.fill('0.75');
      await prune.locator('[data-option="epochs"] input').fill('1');
      await page.selectOption('#pass-picker', 'ptq');
      await page.click('#add-step');
      await page.selectOption('fieldset[data-pass="ptq"] [data-option="mode"] select', 'float16');
      expect(await page.inputValue('#pipeline')).toBe(
        'prune(sparsity=0.75, epochs=1) | ptq(mode=float16)',
      );
      expect(await textWhen(page, '#pipeline-error', (t) => t === '')).toBe('');
      // an out-of-range value gets the pass's own message, as typed text would
      await sparsity.fill('1.5');
      expect(await textWhen(page, '#pipeline-error', (t) => t !== '')).toMatch(/sparsity/);
      await page.click('fieldset[data-pass="ptq"] button.remove');
      await page.click('fieldset[data-pass="prune"] button.remove');
      expect(await page.inputValue('#pipeline')).toBe('');
    });

    it('optimizes a user model with sample images from the directory picker like the CLI does', async () => {
      const { dir, page } = web;
      const model = path.join(dir, 'model');
      await page.setInputFiles(
        '#files',
        readdirSync(model).map((f) => path.join(model, f)),
      );
      await page.setInputFiles('#images', path.join(dir, 'digits'));
      expect(await page.textContent('#images-chosen')).toMatch(
        new RegExp(`digits \\(${10 * IMAGES_PER_CLASS} files, 10 class folders\\)`),
      );
      expect(await page.inputValue('#data')).toBe('images');
      await page.fill('#pipeline', PIPELINE);
      expect(await textWhen(page, '#pipeline-error', (t) => t === '')).toBe('');
      await page.fill('#seed', String(SEED));
      await page.selectOption('#format', 'tflite');
      await page.evaluate(() => delete document.body.dataset['state']);
      await page.click('#run');
      await page.waitForSelector('body[data-state]', { timeout: 900_000 });
      const log = (await page.textContent('#log')) ?? '';
      expect(log).not.toMatch(/^error/m);
      expect(log).toMatch(/image folder "digits", 600 images, 10 classes/);
      expect(log).toMatch(/test accuracy \(digits, held-out 20%/);
      const browserDir = path.join(dir, 'browser-images');
      mkdirSync(browserDir);
      expect(await saveDownloads(page, browserDir)).toContain('model.tflite');

      const fromNode = path.join(dir, 'node-images.tflite');
      optimizeWithNodePeer(
        path.join(model, 'model.json'),
        fromNode,
        PIPELINE,
        path.join(dir, 'digits'),
        SEED,
      );
      const r = compareTflite(path.join(browserDir, 'model.tflite'), fromNode, dir);
      process.stderr.write(`web e2e (image folder): ${JSON.stringify(r)}\n`);
      expect(r.accuracyA).toBeGreaterThan(0.5);
      expect(Math.abs(r.accuracyA - r.accuracyB)).toBeLessThanOrEqual(0.01);
      expect(r.constantsCompared).toBeGreaterThan(0);
      expect(r.maxConstantLsb).toBeLessThanOrEqual(1);
    }, 1_200_000);

    it("runs the digits tree in the page; every leaf matches the Node CLI's tree in TF's interpreter", async () => {
      const { dir, page } = web;
      await page.fill('#seed', String(SEED));
      await page.evaluate(() => delete document.body.dataset['state']);
      const load0 = loadavg()[0]!;
      const t0 = Date.now();
      await page.click('#tree');
      await page.waitForSelector('body[data-state]', { timeout: 1_800_000 });
      const browserSeconds = (Date.now() - t0) / 1000;
      const log = (await page.textContent('#log')) ?? '';
      expect(log).not.toMatch(/^error/m);
      expect(log).toMatch(/leaf \(int8 TFLite\)\s+.*int8 sim accuracy/);
      const browserDir = path.join(dir, 'browser-tree');
      mkdirSync(browserDir);
      const saved = await saveDownloads(page, browserDir);
      expect(saved).toEqual(expect.arrayContaining(['tree-report.json', 'report.html']));
      const html = readFileSync(path.join(browserDir, 'report.html'), 'utf8');
      expect(html).toContain('weight SQNR dB'); // the leaves' ptq SQNR in their layer tables

      const nodeDir = path.join(dir, 'node-tree');
      const load1 = loadavg()[0]!;
      const t1 = Date.now();
      runNodePeer([
        'tree',
        '--data',
        'mnist',
        '--epochs',
        '1',
        '--seed',
        String(SEED),
        '-o',
        nodeDir,
      ]);
      const nodeSeconds = (Date.now() - t1) / 1000;
      process.stderr.write(
        `web e2e (tree): page ${browserSeconds.toFixed(1)} s (load ${load0.toFixed(1)}), Node CLI wasm ${nodeSeconds.toFixed(1)} s (load ${load1.toFixed(1)}), ratio ${(browserSeconds / nodeSeconds).toFixed(2)}× — one run each, not a benchmark\n`,
      );

      const nodeReport = JSON.parse(
        readFileSync(path.join(nodeDir, 'tree-report.json'), 'utf8'),
      ) as {
        leaves: { id: string; status: string }[];
      };
      const browserReport = JSON.parse(
        readFileSync(path.join(browserDir, 'tree-report.json'), 'utf8'),
      ) as { leaves: { id: string; status: string }[] };
      expect(browserReport.leaves.map((l) => [l.id, l.status])).toEqual(
        nodeReport.leaves.map((l) => [l.id, l.status]),
      );
      const leaves = nodeReport.leaves.filter((l) => l.status === 'ok').map((l) => l.id);
      expect(leaves.length).toBeGreaterThanOrEqual(6);
      expect(saved).toEqual(expect.arrayContaining(leaves.map((id) => `${id}.tflite`)));
      const results = JSON.parse(
        runPython(path.join(__dirname, 'compare_tree.py'), [
          browserDir,
          nodeDir,
          ...testDigitsArguments(dir),
          ...leaves,
        ]).stdout,
      ) as Record<string, TfliteComparison>;
      for (const [leaf, r] of Object.entries(results))
        process.stderr.write(
          `web e2e (tree) ${leaf}: accuracy page ${r.accuracyA} / Node ${r.accuracyB}, agreement ${r.agreement}, max ${r.maxConstantLsb} LSB, identical bytes ${r.identical}\n`,
        );
      for (const r of Object.values(results)) {
        expect(r.accuracyA).toBeGreaterThan(0.5);
        expect(Math.abs(r.accuracyA - r.accuracyB)).toBeLessThanOrEqual(0.01);
        expect(r.constantsCompared).toBeGreaterThan(0);
        expect(r.maxConstantLsb).toBeLessThanOrEqual(1);
      }
    }, 3_600_000);
  },
);
