/**
 * The built web app served with cross-origin isolation and opened in Debian's headless Chromium
 * (playwright-core, no browser download), for the e2e suites of e2e/web.
 */
import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import type { Server } from 'node:http';
import type { BrowserContext, Page } from 'playwright-core';
import { hasChromium, launchChromium } from '../helpers/chromium';
import { REPO_ROOT } from '../helpers/oracle';

/** `describe` where Debian's Chromium is installed, else `describe.skip`. */
export const describeInChromium = hasChromium() ? describe : describe.skip;

// eslint-disable-next-line @typescript-eslint/no-require-imports -- the server is plain CommonJS shared with `npm run web`
const { serveStatic } = require('../../packages/web/tools/serve.cjs') as {
  serveStatic(dir: string, port?: number): Promise<{ server: Server; url: string }>;
};

export interface WebApp {
  readonly page: Page;
  close(): Promise<void>;
}

/**
 * Build the libraries, the CLI (the Node peer) and the static app, serve it, open it with a
 * fresh profile under `profileDir`, and wait until the worker's engine is ready.
 */
export async function openWebApp(profileDir: string): Promise<WebApp> {
  execFileSync('npx', ['tsc', '-b', 'packages/cli/tsconfig.json', 'packages/web/tsconfig.json'], {
    cwd: REPO_ROOT,
    stdio: 'inherit',
  });
  execFileSync('node', ['packages/web/tools/build.mjs'], { cwd: REPO_ROOT, stdio: 'inherit' });
  const { server, url } = await serveStatic(path.join(REPO_ROOT, 'packages/web/dist'));
  let context: BrowserContext | undefined;
  try {
    context = await launchChromium(profileDir, { acceptDownloads: true });
    const page = context.pages()[0] ?? (await context.newPage());
    await page.goto(url);
    await page.waitForFunction(
      () => document.getElementById('backend')?.textContent?.startsWith('engine:') === true,
      null,
      { timeout: 120_000 },
    );
    const opened = context;
    return {
      page,
      close: async () => {
        await opened.close();
        server.close();
      },
    };
  } catch (e) {
    await context?.close();
    server.close();
    throw e;
  }
}

/** What the tests of a web suite use: its temporary folder and the opened app's page. */
export interface WebAppSuite {
  readonly dir: string;
  readonly page: Page;
}

/**
 * The describe-level set-up of a web e2e suite: before its tests, a temporary folder (named
 * `<tmpPrefix>…`) holding the browser profile and what `prepare(dir)` writes, and the app opened
 * in it; after them, both closed and removed. Call inside `describe`; read `dir` and `page` in
 * the tests (not before `beforeAll` has run).
 */
export function webAppSuite(tmpPrefix: string, prepare: (dir: string) => void): WebAppSuite {
  let dir: string | undefined;
  let app: WebApp | undefined;
  beforeAll(async () => {
    dir = mkdtempSync(path.join(tmpdir(), tmpPrefix));
    app = await openWebApp(path.join(dir, 'profile'));
    prepare(dir);
  }, 600_000);
  afterAll(async () => {
    await app?.close();
    if (dir) rmSync(dir, { recursive: true, force: true });
  });
  const opened = (): { dir: string; app: WebApp } => {
    if (!dir || !app) throw new Error('the web app is opened in beforeAll: use it in the tests');
    return { dir, app };
  };
  return {
    get dir() {
      return opened().dir;
    },
    get page() {
      return opened().app.page;
    },
  };
}

/** The text of `selector` once `ready(text)` holds (the worker answers asynchronously). */
export async function textWhen(
  page: Page,
  selector: string,
  ready: (text: string) => boolean,
  timeoutMs = 10_000,
): Promise<string> {
  for (let waited = 0; waited < timeoutMs; waited += 50) {
    const text = (await page.textContent(selector)) ?? '';
    if (ready(text)) return text;
    await page.waitForTimeout(50);
  }
  throw new Error(
    `${selector} never reached the expected text: "${await page.textContent(selector)}"`,
  );
}

/** Save every offered download into `dir`; returns the saved file names. */
export async function saveDownloads(page: Page, dir: string): Promise<string[]> {
  const names: string[] = [];
  const links = await page.$$('#downloads a');
  for (const link of links) {
    const [download] = await Promise.all([page.waitForEvent('download'), link.click()]);
    const name = download.suggestedFilename();
    await download.saveAs(path.join(dir, name));
    names.push(name);
  }
  return names;
}
