/**
 * Browser benchmark (issue #19): training throughput (samples/s) of the reference CNN on the
 * embedded MNIST digits in the web app's worker (headless Chromium, tfjs wasm, threaded SIMD
 * when cross-origin isolated) against the Node engine's wasm backend with the same thread
 * count, in the same run: one epoch of `--samples` samples, batch 128, Adam; repetition 0 of
 * each side warms up and is dropped; medians of `--reps` repetitions and their ratio.
 *
 *   npm run bench:web                         # builds the page, 2048 samples, 3 repetitions
 *   npm run bench:web -- --samples=1024 --reps=5
 */
import { mkdtempSync, rmSync } from 'node:fs';
import type { Server } from 'node:http';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { silentLogger } from '@collabopt/core';
import { createEngine, loadMnistDigits, referenceCnn, take } from '@collabopt/engine';
import { launchChromium } from '../../../e2e/helpers/chromium';
import { median } from '../stats';

// eslint-disable-next-line @typescript-eslint/no-require-imports -- plain CommonJS shared with `npm run web`
const { serveStatic } = require('../../../packages/web/tools/serve.cjs') as {
  serveStatic(dir: string, port?: number): Promise<{ server: Server; url: string }>;
};

function arg(name: string, fallback: number): number {
  const a = process.argv.find((s) => s.startsWith(`--${name}=`));
  return a === undefined ? fallback : Number(a.slice(name.length + 3));
}

async function browserRates(
  samples: number,
  reps: number,
): Promise<{ rates: number[]; backend: string; threads: string }> {
  const profile = mkdtempSync(path.join(tmpdir(), 'collabopt-bench-web-'));
  const { server, url } = await serveStatic(path.join(__dirname, '../../../packages/web/dist'));
  const context = await launchChromium(profile);
  try {
    const page = context.pages()[0] ?? (await context.newPage());
    await page.goto(url);
    return await page.evaluate(
      ({ samples, reps }) =>
        new Promise<{ rates: number[]; backend: string; threads: string }>((resolve, reject) => {
          const w = new Worker('worker.js');
          let threads = '';
          w.onmessage = ({ data }) => {
            if (data.type === 'ready') {
              threads = data.backend;
              w.postMessage({ type: 'bench', samples, repetitions: reps });
            } else if (data.type === 'bench')
              resolve({ rates: data.samplesPerSecond, backend: data.backend, threads });
            else if (data.type === 'error') reject(new Error(data.message));
          };
        }),
      { samples, reps },
    );
  } finally {
    await context.close();
    server.close();
    rmSync(profile, { recursive: true, force: true });
  }
}

/** The same measurement as the worker's `bench` (packages/web/src/worker.ts), on Node's engine. */
async function nodeRates(samples: number, reps: number, threads: number): Promise<number[]> {
  const engine = await createEngine({
    backend: 'wasm',
    wasmThreads: threads,
    logger: silentLogger,
  });
  const train = take(loadMnistDigits().train, samples);
  const rates: number[] = [];
  for (let r = 0; r <= reps; r++) {
    const g = referenceCnn(r);
    const t0 = performance.now();
    await engine.fit(g, train, {
      epochs: 1,
      batchSize: 128,
      optimizer: 'adam',
      learningRate: 1e-3,
      seed: r,
    });
    if (r > 0) rates.push(samples / ((performance.now() - t0) / 1000));
  }
  return rates;
}

async function main(): Promise<void> {
  const samples = arg('samples', 2048);
  const reps = arg('reps', 3);
  const browser = await browserRates(samples, reps);
  const threadMatch = /(\d+) threads?/.exec(browser.threads);
  const threads = threadMatch ? Number(threadMatch[1]) : 1;
  const node = await nodeRates(samples, reps, threads);
  const fmt = (xs: number[]): string => xs.map((x) => x.toFixed(0)).join(', ');
  console.log(
    `reference CNN, MNIST digits, ${samples} samples/epoch, batch 128, ${reps} reps (after 1 warm-up)`,
  );
  console.log(
    `browser (Chromium, ${browser.threads}): ${fmt(browser.rates)} samples/s, median ${median(browser.rates).toFixed(0)}`,
  );
  console.log(
    `node    (wasm, ${threads} thread(s)):   ${fmt(node)} samples/s, median ${median(node).toFixed(0)}`,
  );
  console.log(`browser / node: ${(median(browser.rates) / median(node)).toFixed(2)}×`);
}

main().catch((e) => {
  console.error(e);
  process.exit(1);
});
