/**
 * Debian's Chromium (installed by tools/setup-system) driven by playwright-core, offline: no
 * browser download, a fresh profile per launch, every request that is not a file:// URL aborted
 * and recorded, so a page that tries to reach the network fails the test that opened it.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import type { BrowserContext, Page } from 'playwright-core';
import { CHROMIUM, hasChromium, launchChromium } from '../helpers/chromium';

export interface OfflineBrowser {
  readonly context: BrowserContext;
  /** Requests the page tried to make to anything but a file:// URL (all aborted). */
  readonly blocked: string[];
  /** Console errors and uncaught page errors. */
  readonly errors: string[];
  newPage(viewport: { width: number; height: number }): Promise<Page>;
  close(): Promise<void>;
}

export async function launchOfflineChromium(): Promise<OfflineBrowser> {
  if (!hasChromium())
    throw new Error(
      `no Chromium at ${CHROMIUM}: run tools/setup-system (Debian package "chromium") or set COLLABOPT_CHROMIUM`,
    );
  const profile = mkdtempSync(path.join(os.tmpdir(), 'collabopt-chromium-'));
  const context = await launchChromium(profile, { offline: true });
  const blocked: string[] = [];
  const errors: string[] = [];
  await context.route('**/*', (route) => {
    const url = route.request().url();
    if (url.startsWith('file:')) return route.continue();
    blocked.push(url);
    return route.abort();
  });
  return {
    context,
    blocked,
    errors,
    async newPage(viewport) {
      const page = await context.newPage();
      await page.setViewportSize(viewport);
      page.on('console', (m) => {
        if (m.type() === 'error') errors.push(m.text());
      });
      page.on('pageerror', (e) => errors.push(e.message));
      return page;
    },
    async close() {
      await context.close();
      rmSync(profile, { recursive: true, force: true });
    },
  };
}
