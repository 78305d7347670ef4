import { Worker } from 'node:worker_threads';
import { SIMD_KERNEL_PARAMS } from './wasm-kernels/simd/kernels-binary';
import { HelperStallMonitor } from './wasm-kernels/simd/helper-stall-monitor';
import type { SimdThreadPool } from './wasm-kernels/simd/simd-helper-threads';
import { simdKernelsBinary, type SimdKernelName } from './wasm-kernels/simd/simd-kernels';

/**
 * SIMD helper threads in Node: worker threads instantiate kernels.wat on the wasm backend's
 * shared memory and take part in our kernels' calls through a shared control block, with
 * Atomics.wait/notify, so the calling thread hands work over and collects it synchronously,
 * inside a TF.js kernel. XNNPACK's own pool threads run only TF.js's kernels and idle while ours
 * run.
 *
 * A job is a list of calls of one kernel. The claim word (64 bits: call count << 16 | next call)
 * is set once per job; every thread claims a call with one atomic add and runs it if its index is
 * below the count. Claims carry the count, so a helper waking late cannot take a call of a job
 * whose arguments are still being written, and the calling thread never waits for a helper that
 * has not started: it claims the remaining calls itself.
 */

// Int32 control words.
const WAKE = 0; // bumped for every job (helpers Atomics.wait on it)
const COMPLETED = 1; // calls finished by helpers in the current job
const FAILED = 2; // a helper's call threw
const STOP = 3; // helpers exit
const KERNEL = 4;
const ARGC = 5;
const HEADER = 8; // arguments from here on, MAX_ARGS per call; the claim word is separate
const MAX_ARGS = Math.max(...Object.values(SIMD_KERNEL_PARAMS).map((p) => p.length));
/** Calls per job the control block holds (kernels split into threads × a few calls). */
export const MAX_CALLS_PER_JOB = 256;
const INDEX_MASK = 0xffffn;
/** A call not finished within this time is reported as failed. */
const JOIN_TIMEOUT_MS = 120_000;
const START_TIMEOUT_MS = 30_000;

const KERNEL_NAMES = Object.keys(SIMD_KERNEL_PARAMS) as SimdKernelName[];

/** The worker's whole program (CommonJS, evaluated). */
const WORKER_SOURCE = `
const { workerData, parentPort } = require('node:worker_threads');
const { memory, control, claim, binary, names } = workerData;
const exports = new WebAssembly.Instance(new WebAssembly.Module(binary), { env: { memory } }).exports;
const kernels = names.map((n) => exports[n]);
const st = new Int32Array(control);
const word = new BigInt64Array(claim);
parentPort.postMessage('ready');
for (;;) {
  if (Atomics.load(st, ${STOP}) !== 0) break;
  const wake = Atomics.load(st, ${WAKE});
  for (;;) {
    const v = Atomics.add(word, 0, 1n);
    const n = Number((v >> 16n) & ${INDEX_MASK}n);
    const i = Number(v & ${INDEX_MASK}n);
    if (i >= n) break;
    const argc = st[${ARGC}];
    const base = ${HEADER} + i * ${MAX_ARGS};
    const args = [];
    for (let a = 0; a < argc; a++) args.push(st[base + a]);
    try {
      kernels[st[${KERNEL}]](...args);
    } catch (e) {
      Atomics.store(st, ${FAILED}, 1);
    }
    Atomics.add(st, ${COMPLETED}, 1);
    Atomics.notify(st, ${COMPLETED});
  }
  Atomics.wait(st, ${WAKE}, wake);
}
`;

/** `count` helper threads on `memory` (a shared WebAssembly.Memory), resolved once all are ready. */
export async function startSimdThreadPool(memory: object, count: number): Promise<SimdThreadPool> {
  const control = new SharedArrayBuffer(4 * (HEADER + MAX_CALLS_PER_JOB * MAX_ARGS));
  const claim = new SharedArrayBuffer(8);
  const st = new Int32Array(control);
  const word = new BigInt64Array(claim);
  const workers: Worker[] = [];
  try {
    await Promise.all(
      Array.from({ length: count }, () => {
        const worker = new Worker(WORKER_SOURCE, {
          eval: true,
          workerData: {
            memory,
            control,
            claim,
            binary: simdKernelsBinary(true),
            names: KERNEL_NAMES,
          },
        });
        workers.push(worker);
        return ready(worker);
      }),
    );
  } catch (e) {
    Atomics.store(st, STOP, 1);
    for (const w of workers) void w.terminate();
    throw e;
  }
  for (const w of workers) w.unref(); // parked in Atomics.wait between jobs; exit ends them
  const monitor = new HelperStallMonitor();
  return {
    helpers: count,
    helpersForNextKernel: () => (monitor.useHelpers() ? count : 0),
    run(name, calls, runHere) {
      const n = calls.length;
      if (n > MAX_CALLS_PER_JOB) throw new Error(`SIMD thread pool: ${n} calls in one job`);
      const argc = SIMD_KERNEL_PARAMS[name].length;
      st[KERNEL] = KERNEL_NAMES.indexOf(name);
      st[ARGC] = argc;
      for (let i = 0; i < n; i++) {
        const call = calls[i]!;
        for (let a = 0; a < argc; a++) st[HEADER + i * MAX_ARGS + a] = call[a]!;
      }
      Atomics.store(st, COMPLETED, 0);
      Atomics.store(st, FAILED, 0);
      Atomics.store(word, 0, BigInt(n) << 16n); // publishes the job (seq-cst)
      Atomics.add(st, WAKE, 1);
      Atomics.notify(st, WAKE);
      let mine = 0;
      let claimed = n;
      const t0 = performance.now();
      try {
        for (;;) {
          const i = Number(Atomics.add(word, 0, 1n) & INDEX_MASK);
          if (i >= n) break;
          mine++;
          runHere(i);
        }
      } catch (e) {
        // Close the job; wait for the calls the helpers hold before the caller frees memory.
        claimed = Math.min(
          n,
          Number(Atomics.exchange(word, 0, (BigInt(n) << 16n) | BigInt(n)) & INDEX_MASK),
        );
        waitForHelpers(st, claimed - mine, name);
        throw e;
      }
      const t1 = performance.now();
      waitForHelpers(st, claimed - mine, name);
      monitor.record(t1 - t0, performance.now() - t1);
      if (Atomics.load(st, FAILED) !== 0) throw new Error(`SIMD helper thread: ${name} failed`);
    },
  };
}

function waitForHelpers(st: Int32Array, calls: number, name: string): void {
  const deadline = Date.now() + JOIN_TIMEOUT_MS;
  for (let done = Atomics.load(st, COMPLETED); done < calls; done = Atomics.load(st, COMPLETED)) {
    if (Date.now() > deadline) throw new Error(`SIMD helper thread: ${name} did not finish`);
    Atomics.wait(st, COMPLETED, done, 1000);
  }
}

function ready(worker: Worker): Promise<void> {
  return new Promise<void>((resolve, reject) => {
    const timer = setTimeout(() => {
      reject(new Error(`a SIMD helper thread did not start within ${START_TIMEOUT_MS / 1000} s`));
    }, START_TIMEOUT_MS);
    worker.once('message', () => {
      clearTimeout(timer);
      resolve();
    });
    worker.once('error', (e) => {
      clearTimeout(timer);
      reject(e);
    });
  });
}
