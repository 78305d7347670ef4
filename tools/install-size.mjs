#!/usr/bin/env node
// What a user's `npm install` of the library packages costs on disk: packs every published
// package (run `npm run build` first), installs the tarballs into an empty project (npm's cache
// serves what it already holds) and prints node_modules' size by top third-party dependency.
// `--without cli,report` leaves packages out. Scripts are not run (--ignore-scripts).
import { execFileSync } from 'node:child_process';
import {
  existsSync,
  mkdirSync,
  mkdtempSync,
  readFileSync,
  readdirSync,
  rmSync,
  statSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

const root = new URL('..', import.meta.url).pathname;
const withoutArg = process.argv.find((a) => a.startsWith('--without='))?.slice('--without='.length);
const without = new Set(withoutArg ? withoutArg.split(',') : []);
const packages = readdirSync(join(root, 'packages')).filter((p) => {
  const manifest = JSON.parse(readFileSync(join(root, 'packages', p, 'package.json'), 'utf8'));
  return !manifest.private && !without.has(p);
});

const work = mkdtempSync(join(tmpdir(), 'collabopt-install-size-'));
const npm = (args, cwd) => execFileSync('npm', args, { cwd, encoding: 'utf8', stdio: 'pipe' });
try {
  const tarballs = packages.map((p) =>
    join(
      work,
      npm(['pack', '--pack-destination', work], join(root, 'packages', p))
        .trim()
        .split('\n')
        .at(-1),
    ),
  );
  const project = join(work, 'project');
  mkdirSync(project);
  npm(['init', '-y'], project);
  npm(
    ['install', '--prefer-offline', '--ignore-scripts', '--no-audit', '--no-fund', ...tarballs],
    project,
  );

  /** Bytes of a folder's files, not counting nested node_modules. */
  const bytes = (dir) =>
    readdirSync(dir, { withFileTypes: true }).reduce((sum, e) => {
      const path = join(dir, e.name);
      if (e.isDirectory()) return e.name === 'node_modules' ? sum : sum + bytes(path);
      return e.isFile() ? sum + statSync(path).size : sum;
    }, 0);
  const installed = new Map(); // name → { size, deps }
  const collect = (dir) => {
    for (const name of readdirSync(dir)) {
      if (name.startsWith('.')) continue;
      const path = join(dir, name);
      if (name.startsWith('@')) {
        collect(path);
        continue;
      }
      const manifestPath = join(path, 'package.json');
      if (!existsSync(manifestPath)) continue;
      const m = JSON.parse(readFileSync(manifestPath, 'utf8'));
      const deps = Object.keys({
        ...m.dependencies,
        ...m.optionalDependencies,
      });
      const prev = installed.get(m.name);
      installed.set(m.name, { size: (prev?.size ?? 0) + bytes(path), deps });
      if (existsSync(join(path, 'node_modules'))) collect(join(path, 'node_modules'));
    }
  };
  collect(join(project, 'node_modules'));
  const closure = (name, seen = new Set()) => {
    if (seen.has(name) || !installed.has(name)) return seen;
    seen.add(name);
    for (const d of installed.get(name).deps) closure(d, seen);
    return seen;
  };
  const ours = [...installed.keys()].filter((n) => n.startsWith('@collabopt/'));
  const tops = [
    ...new Set(
      ours.flatMap((n) => installed.get(n).deps).filter((d) => !d.startsWith('@collabopt/')),
    ),
  ].filter((d) => installed.has(d));
  const mb = (b) => (b / 2 ** 20).toFixed(1).padStart(6);
  const sum = (names) => [...names].reduce((s, n) => s + installed.get(n).size, 0);
  const total = sum(installed.keys());
  const rows = tops.map((top) => {
    const others = new Set();
    for (const t of tops) if (t !== top) closure(t, others);
    const own = [...closure(top)].filter((n) => !others.has(n));
    return { top, all: sum(closure(top)), own: sum(own), count: own.length };
  });
  rows.sort((a, b) => b.own - a.own);
  console.log(`packages: ${packages.join(', ')}`);
  console.log(
    'top dependency                     MB (with deps)  MB (only its)  packages (only its)',
  );
  for (const r of rows)
    console.log(`${r.top.padEnd(34)} ${mb(r.all)}          ${mb(r.own)}         ${r.count}`);
  const shared = total - sum(ours) - rows.reduce((s, r) => s + r.own, 0);
  console.log(`${'(shared by several of the above)'.padEnd(34)}                 ${mb(shared)}`);
  console.log(`${'@collabopt/*'.padEnd(34)}                 ${mb(sum(ours))}`);
  console.log(
    `total: ${mb(total).trim()} MB in ${installed.size} packages (file bytes; du counts blocks)`,
  );
} finally {
  rmSync(work, { recursive: true, force: true });
}
