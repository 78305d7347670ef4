import { readFile } from 'node:fs/promises';
import * as os from 'node:os';
import * as path from 'node:path';
import { Worker } from 'node:worker_threads';
import { InvalidArgumentError } from '@collabopt/core';
import { BackendWasm, setThreadsCount } from '@tensorflow/tfjs-backend-wasm';
import { tf } from './tf';
import { startSimdThreadPool } from './wasm-threads-helper';
import { backendMemory } from './wasm-kernels/wasm-heap';
import { setSimdThreadPool } from './wasm-kernels/simd/simd-helper-threads';

/**
 * Multi-threaded WebAssembly for the TF.js wasm backend in Node.
 *
 * `@tensorflow/tfjs-backend-wasm` ships an emscripten pthreads build (`wasm-out/
 * tfjs-backend-wasm-threaded-simd.*`) whose XNNPACK thread pool parallelises convolutions and
 * matrix products, but its own loader never uses it in Node: the thread-support flag is false
 * there, and the loader hands the pthread workers Blob URLs, which Node's `worker_threads` cannot
 * load. This module builds that module itself with real file paths, constructs tfjs's
 * `BackendWasm` around it and registers it under the name "wasm", so every kernel registered for
 * "wasm" (tfjs's and ours) runs on it unchanged.
 */

/** tfjs's build pre-creates 8 pthread workers and its C++ side caps the pool at 8 threads. */
export const MAX_WASM_THREADS = 8;

/** The environment variable overriding the thread count: a positive integer, 0 (= 1) or "auto". */
export const WASM_THREADS_ENV = 'COLLABOPT_WASM_THREADS';

/** Time allowed for the pthread workers to start before falling back to one thread. */
const INIT_TIMEOUT_MS = 30_000;

/** Same priority tfjs registers its wasm backend with. */
const WASM_BACKEND_PRIORITY = 2;

export interface WasmThreadsRequest {
  /**
   * Threads to use (1 = tfjs's single-threaded SIMD build), or 'auto': decided when the backend
   * starts, from the cores other processes leave idle (see automaticWasmThreads).
   */
  readonly threads: number | 'auto';
  /** Where the number comes from, for the backend report. */
  readonly source: string;
}

/** What the wasm backend actually runs with, known once it has been initialised. */
export interface WasmThreadsStatus {
  /** Threads in XNNPACK's pool (the calling thread included). */
  readonly threads: number;
  /** Which emscripten build is loaded. */
  readonly build: 'threaded-simd' | 'single-threaded';
  /** Human-readable reason for the count (request source, fallback cause). */
  readonly detail: string;
}

function availableCores(): number {
  return typeof os.availableParallelism === 'function'
    ? os.availableParallelism()
    : Math.max(1, os.cpus().length);
}

function parseThreadCount(value: number | string, source: string): number | 'auto' {
  if (value === 'auto') return 'auto';
  const n = typeof value === 'number' ? value : Number(value.trim());
  if (!Number.isInteger(n) || n < 0) {
    throw new InvalidArgumentError(
      `${source} must be a non-negative integer or "auto", got "${String(value)}"`,
      { field: source },
    );
  }
  return n;
}

/** Per-CPU busy and total times (ms) as os.cpus() reports them. */
function cpuTimes(): { busy: number; total: number } {
  let busy = 0;
  let total = 0;
  for (const { times } of os.cpus()) {
    const b = times.user + times.nice + times.sys + times.irq;
    busy += b;
    total += b + times.idle;
  }
  return { busy, total };
}

/**
 * How many cores other processes keep busy right now: the machine's busy CPU time over `ms`
 * milliseconds minus this process's own (which is starting the backend meanwhile), in cores.
 */
export async function measureBusyCores(ms = 200): Promise<number> {
  const machine = cpuTimes();
  const self = process.cpuUsage();
  const start = process.hrtime.bigint();
  await new Promise((resolve) => setTimeout(resolve, ms));
  const elapsedMs = Number(process.hrtime.bigint() - start) / 1e6;
  const after = cpuTimes();
  const own = process.cpuUsage(self);
  const ownMs = (own.user + own.system) / 1000;
  // The kernel counts CPU time in clock ticks, so a short sample can exceed the core count.
  return Math.min(os.cpus().length, busyByOthers(after.busy - machine.busy, ownMs, elapsedMs));
}

/** Cores kept busy by other processes, from CPU-time deltas (ms) over `elapsedMs`; never < 0. */
export function busyByOthers(machineBusyMs: number, ownMs: number, elapsedMs: number): number {
  if (!(elapsedMs > 0)) return 0;
  return Math.max(0, (machineBusyMs - ownMs) / elapsedMs);
}

/**
 * The automatic pool size: the cores Node may use that other processes leave idle, rounded, at
 * least 1 and at most 8. A pool thread that has to wait for a core held by another process stalls
 * every kernel it takes part in, so on a loaded machine one thread is faster (measured on 2 cores
 * with ~2 busy: training 0.6-0.8x, inference ~0.8x; with cores free: training ~1.2x, inference ~2x).
 */
export function automaticWasmThreads(
  cores: number,
  busy: number,
): { threads: number; source: string } {
  const idle = Math.round(cores - busy);
  const threads = Math.max(1, Math.min(cores, MAX_WASM_THREADS, idle));
  return {
    threads,
    source: `auto: ${cores} core${cores === 1 ? '' : 's'}, ${busy.toFixed(1)} busy elsewhere`,
  };
}

/**
 * How many wasm threads to use: the option, else COLLABOPT_WASM_THREADS, else 'auto' (decided at
 * start-up from idle cores, see automaticWasmThreads; one thread on a single core, and under jest,
 * where every test file re-creates the backend and would keep another set of idle workers alive).
 */
export function resolveWasmThreads(option?: number | 'auto'): WasmThreadsRequest {
  const fromEnv = process.env[WASM_THREADS_ENV];
  let requested: number | 'auto' = 'auto';
  let source = 'auto';
  if (option !== undefined) {
    requested = parseThreadCount(option, 'the wasmThreads option');
    source = 'the wasmThreads option';
  } else if (fromEnv !== undefined && fromEnv.trim() !== '') {
    requested = parseThreadCount(fromEnv, WASM_THREADS_ENV);
    source = WASM_THREADS_ENV;
  }
  if (requested === 'auto') {
    if (process.env['JEST_WORKER_ID'] !== undefined) {
      return { threads: 1, source: `auto: under jest (set ${WASM_THREADS_ENV} to change)` };
    }
    const cores = availableCores();
    return cores < 2 ? { threads: 1, source: 'auto: 1 core' } : { threads: 'auto', source };
  }
  if (requested > MAX_WASM_THREADS) {
    return { threads: MAX_WASM_THREADS, source: `${source} (${requested}, capped)` };
  }
  return { threads: Math.max(1, requested), source };
}

/** The emscripten module members this file uses (the rest is tfjs's business). */
interface ThreadedModule {
  cwrap(name: string, returnType: string | null, argTypes: string[]): (...args: number[]) => number;
  tfjs?: unknown;
  PThread: {
    unusedWorkers: NodeWorker[];
    runningWorkers: NodeWorker[];
    terminateAllThreads(): void;
  };
}

interface NodeWorker {
  unref(): void;
  terminate(): unknown;
}

/** The few WebAssembly JS API members used here (the compiler's lib has no WebAssembly types). */
type WasmImports = Record<string, Record<string, unknown>>;
interface WebAssemblyApi {
  instantiate(
    bytes: Uint8Array,
    imports: WasmImports,
  ): Promise<{ instance: object; module: object }>;
}
const webAssembly = (globalThis as unknown as { WebAssembly: WebAssemblyApi }).WebAssembly;

interface FactoryConfig {
  mainScriptUrlOrBlob: string;
  locateFile(file: string, prefix: string): string | URL;
  instantiateWasm(
    imports: WasmImports,
    receive: (instance: object, module: object) => void,
  ): object;
  onAbort(what: unknown): void;
  /** Set by emscripten on this very object once the runtime exists. */
  PThread?: ThreadedModule['PThread'];
}

type ThreadedFactory = (config: FactoryConfig) => Promise<ThreadedModule>;

interface ThreadedBuildFiles {
  readonly js: string;
  readonly wasm: string;
  readonly worker: string;
}

function threadedBuildFiles(): ThreadedBuildFiles {
  const js =
    require.resolve('@tensorflow/tfjs-backend-wasm/wasm-out/tfjs-backend-wasm-threaded-simd.js');
  const dir = path.dirname(js);
  return {
    js,
    wasm: path.join(dir, 'tfjs-backend-wasm-threaded-simd.wasm'),
    worker: path.join(dir, 'tfjs-backend-wasm-threaded-simd.worker.js'),
  };
}

/**
 * Source of each pthread worker, run as an ES module from a data: URL. tfjs ships the worker
 * script as a JS string (`wasmWorkerContents`) meant for a Blob, with newlines to escape first; it
 * needs CommonJS `require` and `__filename` (= the main script, which it loads with
 * `importScripts`). Kept as a string so transpilers and coverage tools cannot rewrite it.
 */
function pthreadWorkerSource(files: ThreadedBuildFiles): string {
  return [
    "const { createRequire } = await import('node:module');",
    "const { workerData, parentPort } = await import('node:worker_threads');",
    `const workerFile = ${JSON.stringify(files.worker)};`,
    'const require = createRequire(workerFile);',
    'const { wasmWorkerContents } = require(workerFile);',
    "const body = wasmWorkerContents.split('\\n').join('\\\\n');",
    "const run = new Function('require', '__filename', body);",
    `if (workerData === ${JSON.stringify(PROBE)}) parentPort.postMessage('ok');`,
    `else run(require, ${JSON.stringify(files.js)});`,
  ].join('\n');
}

const PROBE = 'collabopt-wasm-threads-probe';

/**
 * Start one worker from `url` in probe mode (it loads and compiles tfjs's worker script, then
 * answers). emscripten turns a worker error into an uncaught exception that ends the process, so
 * a Node that cannot run the bootstrap must be caught here, before emscripten starts its pool.
 */
export function probeWorker(url: URL): Promise<void> {
  return new Promise((resolve, reject) => {
    const worker = new Worker(url, { workerData: PROBE });
    const done = (error?: unknown): void => {
      clearTimeout(timer);
      worker.removeAllListeners();
      worker.on('error', () => undefined);
      void worker.terminate();
      if (error === undefined) resolve();
      else reject(error instanceof Error ? error : new Error(String(error)));
    };
    const timer = setTimeout(
      () => done(new Error(`the pthread worker did not start within ${INIT_TIMEOUT_MS / 1000} s`)),
      INIT_TIMEOUT_MS,
    );
    worker.once('message', () => done());
    worker.once('error', (e) => done(e));
    worker.once('exit', (code) => done(new Error(`the pthread worker exited with code ${code}`)));
  });
}

/**
 * Instantiate tfjs's threaded SIMD module with a pool of `threads` (2..8) and wrap it in
 * tfjs's BackendWasm. Rejects (after stopping its workers) if the module cannot start.
 */
export async function createThreadedWasmBackend(threads: number): Promise<BackendWasm> {
  if (!Number.isInteger(threads) || threads < 2 || threads > MAX_WASM_THREADS) {
    throw new InvalidArgumentError(
      `threaded wasm needs 2..${MAX_WASM_THREADS} threads, got ${threads}`,
    );
  }
  if (typeof SharedArrayBuffer !== 'function') {
    throw new Error('SharedArrayBuffer is not available');
  }
  if (!(await tf.env().getAsync('WASM_HAS_SIMD_SUPPORT'))) {
    throw new Error('WebAssembly SIMD is not supported');
  }
  const files = threadedBuildFiles();
  const workerUrl = new URL(
    `data:text/javascript,${encodeURIComponent(pthreadWorkerSource(files))}`,
  );
  await probeWorker(workerUrl);
  const wasmBytes = await readFile(files.wasm);
  // eslint-disable-next-line @typescript-eslint/no-require-imports -- emscripten CommonJS factory, loaded only when threads are used
  const factory = require(files.js) as ThreadedFactory;

  let fail: (e: unknown) => void = () => undefined;
  const failed = new Promise<never>((_, reject) => {
    fail = reject;
  });
  const config: FactoryConfig = {
    mainScriptUrlOrBlob: files.js,
    // Node's Worker takes a data: URL object (an ES module); file paths for everything else.
    locateFile: (file) =>
      file.endsWith('.worker.js') ? workerUrl : path.join(path.dirname(files.js), file),
    // tfjs's C++ caps the pool at emscripten_num_logical_cores() / 2 (it assumes two hyper-threads
    // per core), which is 1 on a 2-core machine; report twice the requested count so the cap is
    // the request. Only the main thread's static initialisers read it.
    instantiateWasm: (imports, receive) => {
      const env = { ...imports['env'], emscripten_num_logical_cores: () => 2 * threads };
      webAssembly
        .instantiate(wasmBytes, { ...imports, env })
        .then(({ instance, module }) => receive(instance, module))
        .catch(fail); // also what receive throws: it starts the pool workers
      return {};
    },
    onAbort: (what) => fail(new Error(`threaded wasm aborted: ${String(what)}`)),
  };
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(
      () => reject(new Error(`pthread workers did not start within ${INIT_TIMEOUT_MS / 1000} s`)),
      INIT_TIMEOUT_MS,
    );
    timer.unref();
  });
  let module: ThreadedModule;
  try {
    module = await Promise.race([factory(config), failed, timeout]);
  } catch (e) {
    config.PThread?.terminateAllThreads();
    throw e;
  } finally {
    clearTimeout(timer);
  }

  // The same bridge tfjs's own loader adds (dist/backend_wasm.js, init()).
  module.tfjs = {
    init: module.cwrap('init', null, []),
    initWithThreadsCount: module.cwrap('init_with_threads_count', null, ['number']),
    getThreadsCount: module.cwrap('get_threads_count', 'number', []),
    registerTensor: module.cwrap('register_tensor', null, ['number', 'number', 'number']),
    disposeData: module.cwrap('dispose_data', null, ['number']),
    dispose: module.cwrap('dispose', null, []),
  };
  setThreadsCount(threads); // read by BackendWasm's constructor, which creates the pool
  let backend: BackendWasm;
  try {
    backend = new BackendWasm(module as unknown as ConstructorParameters<typeof BackendWasm>[0]);
  } catch (e) {
    module.PThread.terminateAllThreads();
    throw e;
  }
  // Pool threads park between kernels; emscripten refs a worker while its pthread runs, which
  // would keep the process alive forever. Unref them (exit terminates them) and drop the
  // pre-created workers the pool does not use.
  for (const worker of module.PThread.runningWorkers) worker.unref();
  for (const worker of module.PThread.unusedWorkers) void worker.terminate();
  module.PThread.unusedWorkers = [];
  await startKernelHelpers(backend, threads - 1);
  return backend;
}

/**
 * Helper threads for collabopt's own SIMD kernels (XNNPACK's pool runs only TF.js's): with them
 * the gradient kernels split their work by images across as many threads as XNNPACK uses. If
 * they cannot start, those kernels run on the calling thread alone.
 */
async function startKernelHelpers(backend: BackendWasm, count: number): Promise<void> {
  const memory = backendMemory(backend);
  if (memory === undefined || count < 1) return;
  try {
    setSimdThreadPool(memory, await startSimdThreadPool(memory, count));
  } catch {
    // The kernels stay single-threaded; nothing else depends on the helpers.
  }
}

let status: WasmThreadsStatus | undefined;
let installed: WasmThreadsRequest | undefined;

/**
 * Register the wasm backend factory for `request` (call after requiring
 * `@tensorflow/tfjs-backend-wasm`, before the backend is first used). With two or more threads
 * the factory builds the threaded module and falls back to tfjs's own single-threaded loader if
 * that fails. Only the first call has an effect: a process has one wasm module.
 */
export function installWasmBackend(request: WasmThreadsRequest): void {
  if (installed !== undefined) return;
  installed = request;
  if (tf.engine().registry['wasm'] !== undefined) {
    // Someone initialised tfjs's own wasm backend already; replacing it would drop its tensors.
    status = { threads: 1, build: 'single-threaded', detail: 'initialised before the engine' };
    return;
  }
  const stockFactory = tf.findBackendFactory('wasm');
  if (stockFactory === null)
    throw new Error('@tensorflow/tfjs-backend-wasm did not register "wasm"');
  const single = async (detail: string): Promise<tf.KernelBackend> => {
    setThreadsCount(1);
    const backend = await stockFactory();
    status = { threads: 1, build: 'single-threaded', detail };
    return backend;
  };
  tf.removeBackend('wasm');
  tf.registerBackend(
    'wasm',
    async () => {
      const { threads: wanted, source } =
        request.threads === 'auto'
          ? automaticWasmThreads(availableCores(), await measureBusyCores())
          : { threads: request.threads, source: request.source };
      if (wanted < 2) return single(source);
      try {
        const backend = await createThreadedWasmBackend(wanted);
        const threads = (
          backend.wasm as { tfjs: { getThreadsCount(): number } }
        ).tfjs.getThreadsCount();
        status = { threads, build: 'threaded-simd', detail: source };
        return backend;
      } catch (e) {
        const why = e instanceof Error ? e.message.split('\n')[0] : String(e);
        return single(`${source}; threaded build failed: ${why}`);
      }
    },
    WASM_BACKEND_PRIORITY,
  );
}

/** The wasm backend's threads, once it has been initialised in this process. */
export function wasmThreadsStatus(): WasmThreadsStatus | undefined {
  return status;
}

/** One line for the backend report, e.g. `2 threads (threaded SIMD build; auto: 2 cores, 0.1 busy elsewhere)`. */
export function describeWasmThreads(s: WasmThreadsStatus): string {
  const count = `${s.threads} thread${s.threads === 1 ? '' : 's'}`;
  const build =
    s.build === 'threaded-simd' ? 'threaded SIMD build' : "tfjs's single-threaded build";
  return `${count} (${build}; ${s.detail})`;
}
