import type { SimdKernelName, WasmMemory } from './simd-kernels';

/**
 * Threads running kernels.wat on the same shared memory as the wasm backend (the Node
 * implementation is in wasm-threads-helper.ts). A kernel hands the pool a list of calls; the
 * calling thread and the helpers each claim the next unclaimed call until none is left, so a
 * helper that the OS does not schedule (a loaded machine) delays nothing: the calling thread then
 * runs the calls itself.
 */
export interface SimdThreadPool {
  /** Helper threads besides the calling one. */
  readonly helpers: number;
  /**
   * Helpers worth splitting the next kernel for: all of them, or 0 while they rest after making
   * the calling thread wait (see HelperStallMonitor). Asked once per kernel.
   */
  helpersForNextKernel(): number;
  /**
   * Run every call of kernel `name` (arguments in kernels.wat's order) on the calling thread and
   * the helpers; `runHere(i)` runs call i on the calling thread. Returns when all have finished;
   * throws if one failed. Calls must write disjoint memory.
   */
  run(
    name: SimdKernelName,
    calls: readonly (readonly number[])[],
    runHere: (call: number) => void,
  ): void;
}

const pools = new WeakMap<WasmMemory, SimdThreadPool | null>();

/** Use this pool for the kernels on `memory` (undefined: the calling thread only). */
export function setSimdThreadPool(memory: WasmMemory, pool: SimdThreadPool | undefined): void {
  pools.set(memory, pool ?? null);
}

/** The pool registered for `memory`, if any. */
export function simdThreadPoolOn(memory: WasmMemory): SimdThreadPool | undefined {
  return pools.get(memory) ?? undefined;
}
