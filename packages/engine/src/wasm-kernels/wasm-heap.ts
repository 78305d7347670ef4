import type * as tf from '@tensorflow/tfjs-core';
import {
  positionalArgs,
  simdKernelsOn,
  type SimdArgs,
  type SimdKernelName,
  type SimdKernels,
  type WasmMemory,
} from './simd/simd-kernels';
import { simdThreadPoolOn, type SimdThreadPool } from './simd/simd-helper-threads';

/**
 * The part of the TF.js wasm backend a JavaScript kernel needs to work on tensors in place: every
 * tensor lives in the module's linear memory, and `typedArrayFromHeap` views it without a copy.
 * Typed structurally so this module does not depend on @tensorflow/tfjs-backend-wasm.
 */
export interface HeapBackend {
  makeOutput(shape: number[], dtype: tf.DataType): tf.TensorInfo;
  typedArrayFromHeap(t: tf.TensorInfo): Float32Array | Int32Array | Uint8Array;
}

/** What the backend's emscripten module exposes (memory: threaded build / single-threaded build). */
interface EmscriptenModule {
  wasmMemory?: WasmMemory;
  asm?: { memory?: WasmMemory };
  _malloc?(bytes: number): number;
  _free?(pointer: number): void;
}

interface WasmBackendInternals extends HeapBackend {
  wasm?: EmscriptenModule;
  getMemoryOffset?(dataId: tf.DataId): number;
}

export function isHeapBackend(backend: unknown): backend is HeapBackend {
  const b = backend as Partial<HeapBackend> | null;
  return typeof b?.makeOutput === 'function' && typeof b.typedArrayFromHeap === 'function';
}

/**
 * A float32 view of a tensor in the wasm heap. Take views only after every `makeOutput` of the
 * kernel: allocating may grow the memory, which detaches earlier views.
 */
export function heapFloats(backend: HeapBackend, t: tf.TensorInfo): Float32Array {
  if (t.dtype !== 'float32') throw new Error(`expected a float32 tensor, got ${t.dtype}`);
  return backend.typedArrayFromHeap(t) as Float32Array;
}

/** SIMD kernels on the backend's own memory, with its allocator and tensor addresses. */
export interface HeapSimd {
  readonly backend: HeapBackend;
  readonly kernels: SimdKernels;
  /** Byte offset of a tensor's data in the heap. */
  address(t: tf.TensorInfo): number;
  malloc(bytes: number): number;
  free(pointer: number): void;
  /** A float32 view of the heap (detached when the memory grows: take it after allocating). */
  floats(address: number, length: number): Float32Array;
  /**
   * Threads the next kernel may split its work across: the calling one plus the helper threads
   * in use (ask once per kernel).
   */
  threads(): number;
  /**
   * Run the calls of one kernel on the calling thread and the helper threads, each thread
   * claiming the next unclaimed call; returns when all are done. Calls must write disjoint memory.
   */
  parallel<K extends SimdKernelName>(name: K, calls: readonly SimdArgs<K>[]): void;
}

const SIMD_DISABLED = { value: false };

/** Switch the SIMD kernels off (JavaScript fallbacks only), e.g. to compare both in tests. */
export function setHeapSimdEnabled(enabled: boolean): void {
  SIMD_DISABLED.value = !enabled;
}

const perBackend = new WeakMap<object, HeapSimd | null>();

/**
 * The SIMD kernels for this backend, or undefined (not the wasm backend, or no SIMD). Looked up
 * once per backend: kernels ask on every call.
 */
export function heapSimd(backend: unknown): HeapSimd | undefined {
  if (SIMD_DISABLED.value || !isHeapBackend(backend)) return undefined;
  let hit = perBackend.get(backend);
  if (hit === undefined) {
    hit = bindSimd(backend as WasmBackendInternals) ?? null;
    perBackend.set(backend, hit);
  }
  return hit ?? undefined;
}

/** The memory of the backend's wasm module, or undefined when it is not a wasm backend. */
export function backendMemory(backend: unknown): WasmMemory | undefined {
  const module = (backend as WasmBackendInternals | null)?.wasm;
  return module?.wasmMemory ?? module?.asm?.memory;
}

function runInParallel<K extends SimdKernelName>(
  kernels: SimdKernels,
  pool: SimdThreadPool | undefined,
  name: K,
  calls: readonly SimdArgs<K>[],
): void {
  const run = kernels[name] as (args: SimdArgs<K>) => void;
  if (pool === undefined || calls.length < 2) {
    for (const call of calls) run(call);
    return;
  }
  pool.run(
    name,
    calls.map((c) => positionalArgs(name, c)),
    (i) => run(calls[i]!),
  );
}

function bindSimd(b: WasmBackendInternals): HeapSimd | undefined {
  const module = b.wasm;
  const memory = module?.wasmMemory ?? module?.asm?.memory;
  const { getMemoryOffset } = b;
  if (
    memory === undefined ||
    typeof getMemoryOffset !== 'function' ||
    typeof module?._malloc !== 'function' ||
    typeof module._free !== 'function'
  )
    return undefined;
  const kernels = simdKernelsOn(memory);
  if (kernels === undefined) return undefined;
  return {
    threads: () => 1 + (simdThreadPoolOn(memory)?.helpersForNextKernel() ?? 0),
    parallel: (name, calls) => runInParallel(kernels, simdThreadPoolOn(memory), name, calls),
    backend: b,
    kernels,
    address: (t) => getMemoryOffset.call(b, t.dataId),
    malloc: (bytes) => module._malloc!(bytes),
    free: (pointer) => module._free!(pointer),
    floats: (address, length) => new Float32Array(memory.buffer, address, length),
  };
}
