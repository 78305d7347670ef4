import { readFileSync } from 'node:fs';
import { join } from 'node:path';

/** This CLI's version, from its package.json (one folder above both src/ and dist/). */
export function cliVersion(): string {
  const manifest = JSON.parse(readFileSync(join(__dirname, '..', 'package.json'), 'utf8')) as {
    version?: unknown;
  };
  return typeof manifest.version === 'string' ? manifest.version : 'unknown';
}
