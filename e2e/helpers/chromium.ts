/**
 * Debian's Chromium (installed by tools/setup-system) for the browser e2e suites, launched by
 * playwright-core with a persistent profile: no browser download, no background network traffic.
 */
import { existsSync } from 'node:fs';
import { chromium, type BrowserContext } from 'playwright-core';

export const CHROMIUM = process.env['COLLABOPT_CHROMIUM'] ?? '/usr/bin/chromium';
export const hasChromium = (): boolean => existsSync(CHROMIUM);

/** Headless, no sandbox (containers), no GPU, and none of Chromium's own network services. */
const FLAGS = [
  '--headless',
  '--no-sandbox',
  '--disable-gpu',
  '--disable-quic',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
];

/** Chromium with its profile in `profileDir`; `options` adds playwright's context options. */
export function launchChromium(
  profileDir: string,
  options: { offline?: boolean; acceptDownloads?: boolean } = {},
): Promise<BrowserContext> {
  return chromium.launchPersistentContext(profileDir, {
    executablePath: CHROMIUM,
    headless: true,
    args: FLAGS,
    ...options,
  });
}
