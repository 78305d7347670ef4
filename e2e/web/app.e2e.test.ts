/**
 * The browser app (issue #19), end to end in Debian's headless Chromium: the built static folder
 * is served with cross-origin isolation, a user model (the reference CNN as a multi-file Layers
 * model.json, briefly trained) goes through `prune | ptq` in the page's worker on the wasm
 * backend, the downloaded .tflite runs in TF's interpreter and matches the Node CLI's output for
 * the same seed. The digits demo runs the same pipeline from one click.
 */
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import type { Page } from 'playwright-core';
import { REPO_ROOT, runPython } from '../helpers/oracle';
import { hasChromium, openWebApp, textWhen, type WebApp } from './web-app';

const PIPELINE = 'prune(sparsity=0.5, epochs=1, frequency=10) | ptq';
const SEED = 3;
const TEST_SAMPLES = 500;

const describeIf = hasChromium() ? describe : describe.skip;

describeIf('collabopt web app in headless Chromium', () => {
  let dir: string;
  let app: WebApp;
  let page: Page;

  beforeAll(async () => {
    dir = mkdtempSync(path.join(tmpdir(), 'collabopt-web-'));
    app = await openWebApp(path.join(dir, 'profile'));
    page = app.page;
    writeUserModelAndDigits(dir);
  }, 600_000);

  afterAll(async () => {
    await app?.close();
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  it('runs on the wasm backend, threaded because the page is cross-origin isolated', async () => {
    expect(await page.evaluate(() => crossOriginIsolated)).toBe(true);
    expect(await page.textContent('#backend')).toMatch(/wasm .*threaded SIMD build/);
  });

  it('says what is wrong with a pipeline as the CLI does, with "did you mean"', async () => {
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
    execFileSync(
      'node',
      [
        'packages/cli/dist/bin.js',
        'optimize',
        path.join(model, 'model.json'),
        '-o',
        fromNode,
        '-p',
        PIPELINE,
        '--data',
        'mnist',
        '--seed',
        String(SEED),
      ],
      { cwd: REPO_ROOT, stdio: 'inherit', env: { ...process.env, COLLABOPT_BACKEND: 'wasm' } },
    );
    const nodeSeconds = (Date.now() - t0) / 1000;
    process.stderr.write(
      `web e2e: prune | ptq took ${browserSeconds.toFixed(1)} s in the page, ${nodeSeconds.toFixed(1)} s with the Node CLI (wasm)\n`,
    );
    const r = JSON.parse(
      runPython(path.join(__dirname, 'compare_tflite.py'), [
        fromBrowser,
        fromNode,
        path.join(dir, 'test.f32'),
        path.join(dir, 'test.u8'),
        String(TEST_SAMPLES),
      ]).stdout,
    ) as {
      accuracyA: number;
      accuracyB: number;
      agreement: number;
      constantsCompared: number;
      maxConstantLsb: number;
      identical: boolean;
    };
    process.stderr.write(`web e2e: ${JSON.stringify(r)}\n`);
    expect(r.accuracyA).toBeGreaterThan(0.5);
    expect(Math.abs(r.accuracyA - r.accuracyB)).toBeLessThanOrEqual(0.01);
    expect(r.constantsCompared).toBeGreaterThan(0);
    expect(r.maxConstantLsb).toBeLessThanOrEqual(1);
    expect(r.agreement).toBeGreaterThanOrEqual(0.99);
  }, 900_000);

  it('cancels a running pipeline with a typed CANCELLED error', async () => {
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
      runPython(path.join(__dirname, 'onnx_accuracy.py'), [
        file,
        path.join(dir, 'test.f32'),
        path.join(dir, 'test.u8'),
        String(TEST_SAMPLES),
      ]).stdout,
    ) as { accuracy: number; qdq: boolean };
    expect(r.qdq).toBe(true);
    expect(r.accuracy).toBeGreaterThan(0.75); // the float model, trained on 2048 digits, scores ~85%
    await page.selectOption('#format', 'tflite');
  }, 300_000);

  it('runs the one-click digits demo: trains the reference CNN, quantizes it, offers the file', async () => {
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
    const r = JSON.parse(
      runPython(path.join(__dirname, 'compare_tflite.py'), [
        file,
        file,
        path.join(dir, 'test.f32'),
        path.join(dir, 'test.u8'),
        String(TEST_SAMPLES),
      ]).stdout,
    ) as { accuracyA: number };
    expect(r.accuracyA).toBeGreaterThan(0.85);
  }, 900_000);
});

/** The reference CNN, trained one short epoch, as model.json + shards; and digits for the oracle. */
function writeUserModelAndDigits(dir: string): void {
  const script = `
    const { registerKerasFormat } = require('@collabopt/format-keras');
    const { registerOnnxFormat } = require('@collabopt/format-onnx');
    const { writeModel } = require('@collabopt/core');
    const { createEngine, referenceCnn, loadMnistDigits, take } = require('@collabopt/engine');
    const fs = require('node:fs');
    (async () => {
      registerKerasFormat();
      registerOnnxFormat();
      const engine = await createEngine({ backend: 'wasm' });
      const { train, test } = loadMnistDigits();
      const g = referenceCnn(7);
      await engine.fit(g, take(train, 2048), { epochs: 1, batchSize: 64, optimizer: 'adam', learningRate: 2e-3, seed: 7 });
      fs.mkdirSync(process.argv[1] + '/model', { recursive: true });
      await writeModel(g, process.argv[1] + '/model/model.json');
      await writeModel(g, process.argv[1] + '/cnn.onnx');
      const n = ${TEST_SAMPLES};
      fs.writeFileSync(process.argv[1] + '/test.f32', Buffer.from(test.x.buffer, 0, n * 784 * 4));
      fs.writeFileSync(process.argv[1] + '/test.u8', Uint8Array.from(test.y.subarray(0, n)));
    })().catch((e) => { console.error(e); process.exit(1); });
  `;
  execFileSync('node', ['-e', script, dir], { cwd: REPO_ROOT, stdio: 'inherit' });
  writeFileSync(path.join(dir, 'pipeline.txt'), PIPELINE);
}
