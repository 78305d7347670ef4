import { spawn } from 'node:child_process';
import * as os from 'node:os';
import * as path from 'node:path';
import { InvalidArgumentError, silentLogger } from '@collabopt/core';
import {
  MAX_WASM_THREADS,
  WASM_THREADS_ENV,
  createEngine,
  resolveWasmThreads,
  tf,
  wasmThreadsStatus,
} from './index';
import {
  automaticWasmThreads,
  busyByOthers,
  createThreadedWasmBackend,
  measureBusyCores,
  probeWorker,
} from './wasm-threads';

const REPO = path.resolve(__dirname, '../../..');
const CHILD = path.join(__dirname, '..', 'test', 'wasm-threads-child.ts');

function withEnv<T>(vars: Record<string, string | undefined>, f: () => T): T {
  const saved = Object.fromEntries(Object.keys(vars).map((k) => [k, process.env[k]]));
  const set = (values: Record<string, string | undefined>): void => {
    for (const [k, v] of Object.entries(values)) {
      if (v === undefined) delete process.env[k];
      else process.env[k] = v;
    }
  };
  set(vars);
  try {
    return f();
  } finally {
    set(saved);
  }
}

describe('resolveWasmThreads', () => {
  test('the option wins over the environment; 0 means one thread; large counts are capped', () => {
    withEnv({ [WASM_THREADS_ENV]: '3' }, () => {
      expect(resolveWasmThreads(2)).toEqual({ threads: 2, source: 'the wasmThreads option' });
      expect(resolveWasmThreads()).toEqual({ threads: 3, source: WASM_THREADS_ENV });
      expect(resolveWasmThreads(0).threads).toBe(1);
      expect(resolveWasmThreads(64).threads).toBe(MAX_WASM_THREADS);
    });
  });

  test('auto: one thread under jest, else decided at start-up from the idle cores', () => {
    withEnv({ [WASM_THREADS_ENV]: 'auto' }, () => {
      expect(resolveWasmThreads().threads).toBe(1);
      expect(resolveWasmThreads().source).toMatch(/under jest/);
    });
    withEnv({ [WASM_THREADS_ENV]: undefined, JEST_WORKER_ID: undefined }, () => {
      expect(resolveWasmThreads()).toEqual(
        os.availableParallelism() < 2
          ? { threads: 1, source: 'auto: 1 core' }
          : { threads: 'auto', source: 'auto' },
      );
    });
    expect(automaticWasmThreads(2, 0.1)).toEqual({
      threads: 2,
      source: 'auto: 2 cores, 0.1 busy elsewhere',
    });
    expect(automaticWasmThreads(2, 0.6).threads).toBe(1);
    expect(automaticWasmThreads(2, 4).threads).toBe(1);
    expect(automaticWasmThreads(1, 0).threads).toBe(1);
    expect(automaticWasmThreads(16, 2.4).threads).toBe(MAX_WASM_THREADS);
    expect(automaticWasmThreads(4, 1.6).threads).toBe(2);
  });

  test('busy cores elsewhere = machine CPU time minus our own, per elapsed time', async () => {
    expect(busyByOthers(300, 100, 200)).toBe(1); // 300 ms busy in 200 ms, 100 of them ours
    expect(busyByOthers(50, 80, 200)).toBe(0); // clock granularity: never negative
    expect(busyByOthers(100, 0, 0)).toBe(0);
    const busy = await measureBusyCores(50);
    expect(busy).toBeGreaterThanOrEqual(0);
    expect(busy).toBeLessThanOrEqual(os.cpus().length + 0.5);
  });

  test('rejects counts that are not non-negative integers, naming the source', () => {
    for (const bad of ['-1', '1.5', 'two']) {
      withEnv({ [WASM_THREADS_ENV]: bad }, () => {
        expect(() => resolveWasmThreads()).toThrow(InvalidArgumentError);
        expect(() => resolveWasmThreads()).toThrow(WASM_THREADS_ENV);
      });
    }
    expect(() => resolveWasmThreads(-2)).toThrow(/wasmThreads option/);
  });
});

interface ChildResult {
  code: number | null;
  ms: number;
  stderr: string;
  out?: {
    reason: string;
    conv: number[];
    matMul: number[];
    trained: number[][];
    deterministic: boolean;
  };
}

/** Run the child fixture with `threads`; it must exit on its own (workers must not keep it alive). */
function runChild(threads: string): Promise<ChildResult> {
  const start = Date.now();
  return new Promise((resolve, reject) => {
    const env: NodeJS.ProcessEnv = { ...process.env, [WASM_THREADS_ENV]: threads };
    delete env['JEST_WORKER_ID'];
    delete env['COLLABOPT_BACKEND'];
    const child = spawn(process.execPath, ['--import', 'tsx', CHILD], { cwd: REPO, env });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    const timer = setTimeout(() => child.kill('SIGKILL'), 90_000);
    child.on('error', reject);
    child.on('close', (code) => {
      clearTimeout(timer);
      const line = stdout.split('\n').find((l) => l.startsWith('{'));
      resolve({
        code,
        ms: Date.now() - start,
        stderr,
        ...(line === undefined ? {} : { out: JSON.parse(line) as ChildResult['out'] }),
      });
    });
  });
}

function maxRelativeError(a: readonly number[], b: readonly number[]): number {
  expect(a.length).toBe(b.length);
  let worst = 0;
  for (let i = 0; i < a.length; i++) {
    worst = Math.max(worst, Math.abs(a[i]! - b[i]!) / Math.max(1, Math.abs(b[i]!)));
  }
  return worst;
}

describe('threaded wasm in a separate process', () => {
  let threaded: ChildResult;
  let single: ChildResult;
  beforeAll(async () => {
    threaded = await runChild('2');
    single = await runChild('1');
  }, 180_000);

  test('both processes exit by themselves with status 0', () => {
    expect({ code: threaded.code, stderr: threaded.stderr }).toEqual({ code: 0, stderr: '' });
    expect({ code: single.code, stderr: single.stderr }).toEqual({ code: 0, stderr: '' });
  });

  test('the backend report names the thread count and the build', () => {
    expect(threaded.out!.reason).toMatch(
      /2 threads \(threaded SIMD build; COLLABOPT_WASM_THREADS\)/,
    );
    expect(single.out!.reason).toMatch(/1 thread \(tfjs's single-threaded build/);
  });

  test('conv, matmul and training give the same numbers as one thread (float tolerance)', () => {
    const t = threaded.out!;
    const s = single.out!;
    expect(maxRelativeError(t.conv, s.conv)).toBeLessThan(1e-5);
    expect(maxRelativeError(t.matMul, s.matMul)).toBeLessThan(1e-5);
    t.trained.forEach((w, i) => expect(maxRelativeError(w, s.trained[i]!)).toBeLessThan(1e-3));
  });

  test('training is deterministic for a seed with two threads', () => {
    expect(threaded.out!.deterministic).toBe(true);
    expect(single.out!.deterministic).toBe(true);
  });
});

describe('threaded wasm inside jest', () => {
  afterAll(() => {
    // Disposing the backend terminates its pthread workers.
    if (tf.findBackend('wasm') !== null) tf.removeBackend('wasm');
  });

  test('createEngine({ wasmThreads: 2 }) runs on a 2-thread pool and reports it', async () => {
    const engine = await createEngine({ backend: 'wasm', wasmThreads: 2, logger: silentLogger });
    expect(wasmThreadsStatus()).toEqual({
      threads: 2,
      build: 'threaded-simd',
      detail: 'the wasmThreads option',
    });
    expect(engine.backendReason).toMatch(/2 threads/);
    const y = tf.matMul(tf.ones([64, 32]), tf.ones([32, 16]));
    expect(Array.from(await y.data()).every((v) => v === 32)).toBe(true);
  });

  test('the worker probe reports a worker that cannot start instead of crashing', async () => {
    const broken = new URL(`data:text/javascript,${encodeURIComponent('throw new Error("boom")')}`);
    await expect(probeWorker(broken)).rejects.toThrow('boom');
    const silent = new URL('data:text/javascript,');
    await expect(probeWorker(silent)).rejects.toThrow(/exited with code 0/);
  });

  test('rejects pool sizes the build cannot provide', async () => {
    await expect(createThreadedWasmBackend(1)).rejects.toThrow(InvalidArgumentError);
    await expect(createThreadedWasmBackend(MAX_WASM_THREADS + 1)).rejects.toThrow(/2\.\.8/);
  });
});
