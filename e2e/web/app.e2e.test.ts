/**
 * The browser app (issue #19), end to end in Debian's headless Chromium: the built static folder
 * is served with cross-origin isolation, a user model (the reference CNN as a multi-file Layers
 * model.json, briefly trained) goes through `prune | ptq` in the page's worker on the wasm
 * backend, the downloaded .tflite runs in TF's interpreter and matches the Node CLI's output for
 * the same seed. The digits demo runs the same pipeline from one click.
 */
import { readdirSync } from 'node:fs';
import * as path from 'node:path';
import { runPython } from '../helpers/oracle';
import { compareTflite, testDigitsArguments, writeDigitsFixture } from './digits-fixture';
import { optimizeWithNodePeer } from './node-peer';
import { describeInChromium, textWhen, webAppSuite } from './web-app';

const PIPELINE = 'prune(sparsity=0.5, epochs=1, frequency=10) | ptq';
const SEED = 3;

describeInChromium('collabopt web app in headless Chromium', () => {
  const web = webAppSuite('collabopt-web-', (dir) => writeDigitsFixture(dir, { onnx: true }));

  it('runs on the wasm backend, threaded because the page is cross-origin isolated', async () => {
    const { page } = web;
    expect(await page.evaluate(() => crossOriginIsolated)).toBe(true);
    expect(await page.textContent('#backend')).toMatch(/wasm .*threaded SIMD build/);
  });

  it('says what is wrong with a pipeline as the CLI does, with "did you mean"', async () => {
    const { page } = web;
    await page.fill('#pipeline', 'prnue | ptq');
    expect(await textWhen(page, '#pipeline-error', (t) => t !== '')).toMatch(
      /unknown pass "prnue"; did you mean "prune"\?/,
    );
    expect(await page.isDisabled('#run')).toBe(true);
    await page.fill('#pipeline', PIPELINE);
    expect(await textWhen(page, '#pipeline-error', (t) => t === '')).toBe('');
    expect(await page.isDisabled('#run')).toBe(true); // no model chosen yet
  });

  it('optimizes a dropped multi-file Layers model like the Node CLI does', async () => {
    const { dir, page } = web;
    const model = path.join(dir, 'model');
    await page.setInputFiles(
      '#files',
      readdirSync(model).map((f) => path.join(model, f)),
    );
    await page.fill('#seed', String(SEED));
    await page.selectOption('#format', 'tflite');
    const started = Date.now();
    await page.click('#run');
    await page.waitForSelector('body[data-state]', { timeout: 600_000 });
    const browserSeconds = (Date.now() - started) / 1000;
    expect(await page.textContent('#log')).not.toMatch(/^error/m);
    const [download] = await Promise.all([
      page.waitForEvent('download'),
      page.click('#downloads a'),
    ]);
    const fromBrowser = path.join(dir, 'browser.tflite');
    await download.saveAs(fromBrowser);
    expect(download.suggestedFilename()).toBe('model.tflite');
    expect(await page.textContent('#downloads')).toMatch(/download report\.html/);

    const fromNode = path.join(dir, 'node.tflite');
    const t0 = Date.now();
    optimizeWithNodePeer(path.join(model, 'model.json'), fromNode, PIPELINE, 'mnist', SEED);
    const nodeSeconds = (Date.now() - t0) / 1000;
    process.stderr.write(
      `web e2e: prune | ptq took ${browserSeconds.toFixed(1)} s in the page, ${nodeSeconds.toFixed(1)} s with the Node CLI (wasm)\n`,
    );
    const r = compareTflite(fromBrowser, fromNode, dir);
    process.stderr.write(`web e2e: ${JSON.stringify(r)}\n`);
    expect(r.accuracyA).toBeGreaterThan(0.5);
    expect(Math.abs(r.accuracyA - r.accuracyB)).toBeLessThanOrEqual(0.01);
    expect(r.constantsCompared).toBeGreaterThan(0);
    expect(r.maxConstantLsb).toBeLessThanOrEqual(1);
    expect(r.agreement).toBeGreaterThanOrEqual(0.99);
  }, 900_000);

  it('cancels a running pipeline with a typed CANCELLED error', async () => {
    const { page } = web;
    await page.fill('#pipeline', 'prune(sparsity=0.5, epochs=2, frequency=10) | ptq');
    expect(await textWhen(page, '#pipeline-error', (t) => t === '')).toBe('');
    await page.evaluate(() => delete document.body.dataset['state']);
    await page.click('#demo');
    await page.waitForSelector('#cancel:not([disabled])');
    await textWhen(page, '#log', (t) => t.includes('training the reference CNN'), 120_000);
    await page.click('#cancel');
    await page.waitForSelector('body[data-state="error"]', { timeout: 120_000 });
    expect(await page.textContent('#log')).toMatch(/error \[CANCELLED\]/);
    expect(await page.isDisabled('#cancel')).toBe(true);
  }, 300_000);

  it('quantizes a dropped .onnx model into an int8 .onnx that ONNX Runtime runs', async () => {
    const { dir, page } = web;
    await page.setInputFiles('#files', [path.join(dir, 'cnn.onnx')]);
    await page.fill('#pipeline', 'ptq');
    expect(await textWhen(page, '#pipeline-error', (t) => t === '')).toBe('');
    await page.selectOption('#format', 'onnx');
    await page.evaluate(() => delete document.body.dataset['state']);
    await page.click('#run');
    await page.waitForSelector('body[data-state]', { timeout: 300_000 });
    expect(await page.textContent('#log')).not.toMatch(/^error/m);
    const [download] = await Promise.all([
      page.waitForEvent('download'),
      page.click('#downloads a'),
    ]);
    expect(download.suggestedFilename()).toBe('model.onnx');
    const file = path.join(dir, 'browser.onnx');
    await download.saveAs(file);
    const r = JSON.parse(
      runPython(path.join(__dirname, 'onnx_accuracy.py'), [file, ...testDigitsArguments(dir)])
        .stdout,
    ) as { accuracy: number; qdq: boolean };
    expect(r.qdq).toBe(true);
    expect(r.accuracy).toBeGreaterThan(0.75); // the float model, trained on 2048 digits, scores ~85%
    await page.selectOption('#format', 'tflite');
  }, 300_000);

  it('runs the one-click digits demo: trains the reference CNN, quantizes it, offers the file', async () => {
    const { dir, page } = web;
    await page.fill('#pipeline', 'ptq');
    expect(await textWhen(page, '#pipeline-error', (t) => t === '')).toBe('');
    await page.evaluate(() => delete document.body.dataset['state']);
    await page.click('#demo');
    await page.waitForSelector('body[data-state]', { timeout: 600_000 });
    const log = (await page.textContent('#log')) ?? '';
    expect(log).not.toMatch(/^error/m);
    expect(log).toMatch(/training the reference CNN on the MNIST digits/);
    const accuracy = /after (\d+\.\d+)%/.exec(log);
    expect(Number(accuracy?.[1])).toBeGreaterThan(85); // one epoch reached 88% when this was written
    const [download] = await Promise.all([
      page.waitForEvent('download'),
      page.click('#downloads a'),
    ]);
    const file = path.join(dir, 'demo.tflite');
    await download.saveAs(file);
    const r = compareTflite(file, file, dir);
    expect(r.accuracyA).toBeGreaterThan(0.85);
  }, 900_000);
});
