#!/usr/bin/env node
// Every relative link in the READMEs and docs/ must point to a file or folder of the repository.
// Exits 1 naming each broken link (file:line → target).
import { existsSync, readFileSync, readdirSync } from 'node:fs';
import { dirname, join, relative } from 'node:path';

const root = new URL('..', import.meta.url).pathname;
const files = [
  join(root, 'README.md'),
  ...readdirSync(join(root, 'packages')).map((p) => join(root, 'packages', p, 'README.md')),
  ...readdirSync(join(root, 'docs'))
    .filter((f) => f.endsWith('.md'))
    .map((f) => join(root, 'docs', f)),
].filter((f) => existsSync(f));

const broken = [];
for (const file of files) {
  const lines = readFileSync(file, 'utf8').split('\n');
  lines.forEach((line, i) => {
    for (const m of line.matchAll(/\]\(([^)\s]+)\)/g)) {
      const target = m[1].split('#')[0];
      if (target === '' || /^[a-z]+:/.test(target)) continue; // anchors and URLs
      if (!existsSync(join(dirname(file), target)))
        broken.push(`${relative(root, file)}:${i + 1} → ${m[1]}`);
    }
  });
}
if (broken.length > 0) {
  console.error(`broken links:\n  ${broken.join('\n  ')}`);
  process.exit(1);
}
console.log(`doc links ok (${files.length} files)`);
