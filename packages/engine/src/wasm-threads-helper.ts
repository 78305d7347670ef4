import { Worker } from 'node:worker_threads';
import { SIMD_KERNEL_PARAMS } from './wasm-kernels/simd/kernels-binary';
import type { SimdHelperThread } from './wasm-kernels/simd/simd-helper-threads';
import { simdKernelsBinary, type SimdKernelName } from './wasm-kernels/simd/simd-kernels';

/**
 * SIMD helper threads in Node: a worker thread instantiates kernels.wat on the wasm backend's
 * shared memory and runs one kernel call at a time, handed over through a small shared control
 * block (state, kernel index, arguments) with Atomics.wait/notify, so the calling thread hands
 * over and joins synchronously, inside a TF.js kernel. XNNPACK's own pool threads run TF.js's
 * kernels; they are idle while ours run, so a 2-thread backend splits our kernels in two.
 */

const IDLE = 0;
const STARTED = 1;
const DONE = 2;
const FAILED = 3;
const STOP = 4;
/** Control block: state, kernel index, argument count, arguments. */
const HEADER = 3;
const MAX_ARGS = Math.max(...Object.values(SIMD_KERNEL_PARAMS).map((p) => p.length));
/** A joined call that has not finished within this time is reported as failed. */
const JOIN_TIMEOUT_MS = 120_000;
const START_TIMEOUT_MS = 30_000;

const KERNEL_NAMES = Object.keys(SIMD_KERNEL_PARAMS) as SimdKernelName[];

/** The worker's whole program (CommonJS, evaluated): a loop over the control block. */
const WORKER_SOURCE = `
const { workerData, parentPort } = require('node:worker_threads');
const { memory, control, binary, names } = workerData;
const exports = new WebAssembly.Instance(new WebAssembly.Module(binary), { env: { memory } }).exports;
const kernels = names.map((n) => exports[n]);
const state = new Int32Array(control);
parentPort.postMessage('ready');
for (;;) {
  const s = Atomics.load(state, 0);
  if (s === ${STARTED}) {
    let result = ${DONE};
    try {
      const args = [];
      for (let i = 0; i < state[2]; i++) args.push(state[${HEADER} + i]);
      kernels[state[1]](...args);
    } catch (e) {
      result = ${FAILED};
    }
    Atomics.store(state, 0, result);
    Atomics.notify(state, 0);
  } else if (s === ${STOP}) {
    break;
  } else {
    Atomics.wait(state, 0, s);
  }
}
`;

/** A helper thread on `memory` (a shared WebAssembly.Memory), resolved once it is ready. */
export async function startSimdHelperThread(memory: object): Promise<SimdHelperThread> {
  const control = new SharedArrayBuffer(4 * (HEADER + MAX_ARGS));
  const state = new Int32Array(control);
  const worker = new Worker(WORKER_SOURCE, {
    eval: true,
    workerData: { memory, control, binary: simdKernelsBinary(true), names: KERNEL_NAMES },
  });
  await new Promise<void>((resolve, reject) => {
    const timer = setTimeout(() => {
      void worker.terminate();
      reject(new Error(`the SIMD helper thread did not start within ${START_TIMEOUT_MS / 1000} s`));
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
  worker.unref(); // parked in Atomics.wait between calls; exit ends it
  let current = '';
  return {
    start(name, args) {
      if (Atomics.load(state, 0) === STARTED) throw new Error('SIMD helper thread is busy');
      state[1] = KERNEL_NAMES.indexOf(name);
      state[2] = args.length;
      for (let i = 0; i < args.length; i++) state[HEADER + i] = args[i]!;
      current = name;
      Atomics.store(state, 0, STARTED);
      Atomics.notify(state, 0);
    },
    join() {
      const deadline = Date.now() + JOIN_TIMEOUT_MS;
      let s = Atomics.load(state, 0);
      while (s === STARTED) {
        if (Date.now() > deadline) {
          Atomics.store(state, 0, STOP);
          throw new Error(`SIMD helper thread: ${current} did not finish`);
        }
        Atomics.wait(state, 0, STARTED, 1000);
        s = Atomics.load(state, 0);
      }
      if (s === IDLE) return; // nothing was started
      Atomics.store(state, 0, IDLE);
      if (s === FAILED) throw new Error(`SIMD helper thread: ${current} failed`);
    },
  };
}
