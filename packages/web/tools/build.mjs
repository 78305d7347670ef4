// `npm run build:web`: bundle the page and the pipeline worker with esbuild into a static folder
// (packages/web/dist). Node-only modules the engine's data readers import are replaced by a stub
// that throws when used; the engine's `browser` field swaps its wasm thread pool and gradient loader.
// `--serve [port]` then serves the folder with cross-origin isolation headers.
import { copyFileSync, mkdirSync, rmSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { build } from 'esbuild';
import { packDigits } from './pack-digits.mjs';
import serve from './serve.cjs';

const require = createRequire(import.meta.url);
const HERE = dirname(fileURLToPath(import.meta.url));
const WEB = join(HERE, '..');
const OUT = join(WEB, 'dist');

/** Modules that exist only under Node; the browser gets src/node-stub.ts in their place. */
const NODE_ONLY =
  /^(node:.*|fs|fs\/promises|os|zlib|crypto|url|module|worker_threads|child_process|sharp|@tensorflow\/tfjs-node)$/;

const nodeStub = {
  name: 'node-only-stub',
  setup(b) {
    // Paths are plain strings in the in-memory file system: a POSIX implementation serves.
    b.onResolve({ filter: /^(node:)?path(\/posix)?$/ }, () => ({
      path: join(WEB, 'src', 'posix-path.ts'),
    }));
    b.onResolve({ filter: NODE_ONLY }, () => ({ path: join(WEB, 'src', 'node-stub.cjs') }));
  },
};

export async function buildWeb() {
  rmSync(OUT, { recursive: true, force: true });
  mkdirSync(join(OUT, 'wasm'), { recursive: true });
  const result = await build({
    entryPoints: { main: join(WEB, 'src', 'main.ts'), worker: join(WEB, 'src', 'worker.ts') },
    outdir: OUT,
    bundle: true,
    platform: 'browser',
    format: 'iife',
    target: 'es2022',
    minify: true,
    sourcemap: true,
    define: { 'process.env': '{}' },
    plugins: [nodeStub],
    metafile: true,
    logLevel: 'warning',
  });
  const wasmDir = join(
    dirname(require.resolve('@tensorflow/tfjs-backend-wasm/package.json')),
    'dist',
  );
  for (const f of [
    'tfjs-backend-wasm.wasm',
    'tfjs-backend-wasm-simd.wasm',
    'tfjs-backend-wasm-threaded-simd.wasm',
  ])
    copyFileSync(join(wasmDir, f), join(OUT, 'wasm', f));
  for (const f of ['index.html', 'style.css']) copyFileSync(join(WEB, 'static', f), join(OUT, f));
  packDigits(join(OUT, 'digits.bin'));
  return result.metafile;
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  await buildWeb();
  console.log(`built ${OUT}`);
  const i = process.argv.indexOf('--serve');
  if (i >= 0) {
    const { url } = await serve.serveStatic(OUT, Number(process.argv[i + 1] ?? 8080));
    console.log(`collabopt web: ${url} (cross-origin isolated; Ctrl-C stops)`);
  }
}
