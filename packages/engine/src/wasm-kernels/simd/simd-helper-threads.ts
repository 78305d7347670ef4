import type { SimdKernelName, WasmMemory } from './simd-kernels';

/**
 * A thread running kernels.wat on the same shared memory as the wasm backend, one call at a time
 * (the Node implementation is in wasm-threads-helper.ts). The kernels here run on the calling
 * thread; with helpers, kernels split their work (by images) across the calling thread and them.
 */
export interface SimdHelperThread {
  /** Start `name` with its arguments in kernels.wat's order and return at once. */
  start(name: SimdKernelName, args: readonly number[]): void;
  /** Block until the started call has finished; throws if it failed. */
  join(): void;
}

const helpersByMemory = new WeakMap<WasmMemory, readonly SimdHelperThread[]>();

/** Use these helper threads for the kernels on `memory` (replaces earlier ones). */
export function setSimdHelperThreads(
  memory: WasmMemory,
  helpers: readonly SimdHelperThread[],
): void {
  helpersByMemory.set(memory, [...helpers]);
}

/** The helper threads registered for `memory` (none by default). */
export function simdHelperThreadsOn(memory: WasmMemory): readonly SimdHelperThread[] {
  return helpersByMemory.get(memory) ?? [];
}
