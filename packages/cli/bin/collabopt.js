#!/usr/bin/env node
'use strict';
// The `collabopt` command. A committed launcher (not the compiled file itself) so that npm links
// the command at install time, before the TypeScript is built: `npx collabopt` works in the repo.
try {
  require.resolve('../dist/bin.js');
} catch {
  process.stderr.write('collabopt is not built yet: run `npm run build` in the repository first\n');
  process.exit(1);
}
require('../dist/bin.js');
