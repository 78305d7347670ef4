#!/usr/bin/env node
// Checks the package boundaries of DESIGN.md: which @collabopt packages each package may import
// (in its package.json and in its non-test sources), that core and the formats never import
// TF.js at run time, and that nx's project graph agrees. Exits 1 and names every violation.
import { execFileSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, readdirSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { builtinModules } from 'node:module';
import { join, relative } from 'node:path';

const root = new URL('..', import.meta.url).pathname;
const ALLOWED = {
  core: [],
  engine: ['core'],
  pruning: ['core', 'engine'],
  clustering: ['core', 'engine'],
  quantization: ['core', 'engine'],
  preserve: ['core', 'engine', 'pruning', 'clustering', 'quantization'],
  'format-keras': ['core'],
  'format-onnx': ['core'],
  'format-tflite': ['core'],
  report: ['core'],
  cli: ['*'],
  web: ['*'],
};
const NO_TFJS = new Set(['core', 'format-keras', 'format-onnx', 'format-tflite', 'report']);
// Core runs in browsers: Node built-ins only in the Node implementation of its I/O interface.
const NODE_IO_FILES = new Set(['packages/core/src/io/node-io.ts']);
const isNodeBuiltin = (spec) => spec.startsWith('node:') || builtinModules.includes(spec);
// Packages that run in browsers as they are (the web app reuses them): no Node built-ins at all.
const NO_NODE_BUILTINS = new Set(['report']);

function sources(dir) {
  const out = [];
  for (const name of readdirSync(dir)) {
    const p = join(dir, name);
    if (statSync(p).isDirectory()) out.push(...sources(p));
    else if (p.endsWith('.ts') && !p.endsWith('.test.ts') && !p.endsWith('.d.ts')) out.push(p);
  }
  return out;
}

const problems = [];
const pkgDir = join(root, 'packages');
const packages = readdirSync(pkgDir).filter((p) => existsSync(join(pkgDir, p, 'package.json')));
for (const pkg of packages) {
  const allowed = ALLOWED[pkg];
  if (!allowed) {
    problems.push(
      `packages/${pkg}: not in DESIGN.md's package table (add it to tools/check-boundaries.mjs with its allowed imports)`,
    );
    continue;
  }
  const ok = (dep) => allowed.includes('*') || allowed.includes(dep);
  const manifest = JSON.parse(readFileSync(join(pkgDir, pkg, 'package.json'), 'utf8'));
  for (const dep of Object.keys({ ...manifest.dependencies, ...manifest.peerDependencies })) {
    if (dep.startsWith('@collabopt/') && !ok(dep.slice(11)))
      problems.push(`packages/${pkg}/package.json depends on ${dep}, which DESIGN.md forbids`);
    if (NO_TFJS.has(pkg) && dep.startsWith('@tensorflow/'))
      problems.push(
        `packages/${pkg}/package.json depends on ${dep}: ${pkg} must not use TF.js at run time`,
      );
  }
  for (const file of sources(join(pkgDir, pkg, 'src'))) {
    const text = readFileSync(file, 'utf8')
      .replace(/\/\*[\s\S]*?\*\//g, '')
      .replace(/^\s*\/\/.*$/gm, '');
    for (const m of text.matchAll(/(?:from\s+|import\s*\(\s*|require\s*\(\s*)['"]([^'"]+)['"]/g)) {
      const spec = m[1];
      const rel = relative(root, file);
      if (spec.startsWith('@collabopt/') && !ok(spec.slice(11).split('/')[0]))
        problems.push(`${rel} imports ${spec}, which DESIGN.md forbids for ${pkg}`);
      if (NO_TFJS.has(pkg) && spec.startsWith('@tensorflow/'))
        problems.push(`${rel} imports ${spec}: ${pkg} must not use TF.js`);
      if (pkg === 'core' && isNodeBuiltin(spec) && !NODE_IO_FILES.has(rel))
        problems.push(
          `${rel} imports ${spec}: core runs in browsers; only its Node I/O implementation (${[...NODE_IO_FILES].join(', ')}) may use Node built-ins`,
        );
      if (NO_NODE_BUILTINS.has(pkg) && isNodeBuiltin(spec))
        problems.push(
          `${rel} imports ${spec}: ${pkg} runs in browsers and must not use Node built-ins`,
        );
    }
  }
}

// nx's own view of the project graph must agree.
const dir = mkdtempSync(join(tmpdir(), 'nx-graph-'));
try {
  execFileSync('npx', ['nx', 'graph', `--file=${join(dir, 'graph.json')}`], {
    cwd: root,
    stdio: 'ignore',
    env: { ...process.env, NX_DAEMON: 'false', NX_NO_CLOUD: 'true' },
  });
  const graph = JSON.parse(readFileSync(join(dir, 'graph.json'), 'utf8')).graph;
  for (const [project, deps] of Object.entries(graph.dependencies)) {
    const pkg = project.replace('@collabopt/', '');
    const allowed = ALLOWED[pkg];
    if (!allowed || allowed.includes('*')) continue;
    for (const d of deps) {
      const target = d.target.replace('@collabopt/', '');
      if (d.target.startsWith('@collabopt/') && !allowed.includes(target))
        problems.push(`nx graph: ${project} → ${d.target} is forbidden`);
    }
  }
} finally {
  rmSync(dir, { recursive: true, force: true });
}

if (problems.length > 0) {
  console.error(`package boundary violations:\n  ${problems.join('\n  ')}`);
  process.exit(1);
}
console.log(`package boundaries ok (${packages.length} packages, nx graph agrees)`);
