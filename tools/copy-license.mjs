#!/usr/bin/env node
// `prepack` of every published package: put the repository's LICENSE next to its package.json so
// the tarball carries the Apache-2.0 text (npm packs LICENSE only from the package folder).
import { copyFileSync } from 'node:fs';
import { join } from 'node:path';

copyFileSync(new URL('../LICENSE', import.meta.url), join(process.cwd(), 'LICENSE'));
