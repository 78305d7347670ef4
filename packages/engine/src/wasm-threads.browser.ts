/**
 * The browser's wasm thread pool (the package's `browser` field maps `wasm-threads` here): tfjs's
 * own threaded SIMD build, whose pthreads are Web Workers and need a cross-origin isolated page
 * (SharedArrayBuffer); otherwise its single-threaded SIMD build. Same exports as the Node file.
 */
import { InvalidArgumentError } from '@collabopt/core';
import { setThreadsCount } from '@tensorflow/tfjs-backend-wasm';

/** tfjs's build pre-creates 8 pthread workers and its C++ side caps the pool at 8 threads. */
export const MAX_WASM_THREADS = 8;

/** Read under Node only; kept so the two files export the same names. */
export const WASM_THREADS_ENV = 'COLLABOPT_WASM_THREADS';

export interface WasmThreadsRequest {
  readonly threads: number | 'auto';
  readonly source: string;
}

export interface WasmThreadsStatus {
  readonly threads: number;
  readonly build: 'threaded-simd' | 'single-threaded';
  readonly detail: string;
}

interface BrowserGlobals {
  crossOriginIsolated?: boolean;
  navigator?: { hardwareConcurrency?: number };
}

const globals = globalThis as BrowserGlobals;

/** A browser cannot see other processes' load: always 0. */
export function measureBusyCores(): Promise<number> {
  return Promise.resolve(0);
}

/** All logical cores, at most MAX_WASM_THREADS, one when the page is not cross-origin isolated. */
export function automaticWasmThreads(
  cores: number,
  busyElsewhere = 0,
): { threads: number; source: string } {
  if (globals.crossOriginIsolated !== true)
    return { threads: 1, source: 'auto: page not cross-origin isolated' };
  const threads = Math.max(1, Math.min(MAX_WASM_THREADS, Math.round(cores - busyElsewhere)));
  return { threads, source: `auto: ${cores} logical cores` };
}

export function resolveWasmThreads(option?: number | 'auto'): WasmThreadsRequest {
  if (option === undefined || option === 'auto') return { threads: 'auto', source: 'auto' };
  if (!Number.isInteger(option) || option < 0)
    throw new InvalidArgumentError(
      `the wasmThreads option must be a non-negative integer or "auto", got ${String(option)}`,
    );
  return {
    threads: Math.min(MAX_WASM_THREADS, Math.max(1, option)),
    source: 'the wasmThreads option',
  };
}

let status: WasmThreadsStatus | undefined;

/** Set tfjs's thread count before its wasm backend initialises (first call wins). */
export function installWasmBackend(request: WasmThreadsRequest): void {
  if (status !== undefined) return;
  const cores = globals.navigator?.hardwareConcurrency ?? 1;
  const chosen =
    request.threads === 'auto'
      ? automaticWasmThreads(cores)
      : { threads: request.threads, source: request.source };
  const threads = globals.crossOriginIsolated === true ? chosen.threads : 1;
  const detail =
    threads < chosen.threads ? `${chosen.source}; page not cross-origin isolated` : chosen.source;
  setThreadsCount(threads);
  status = { threads, build: threads > 1 ? 'threaded-simd' : 'single-threaded', detail };
}

export function wasmThreadsStatus(): WasmThreadsStatus | undefined {
  return status;
}

export function describeWasmThreads(s: WasmThreadsStatus): string {
  const count = `${s.threads} thread${s.threads === 1 ? '' : 's'}`;
  const build =
    s.build === 'threaded-simd' ? 'threaded SIMD build' : "tfjs's single-threaded build";
  return `${count} (${build}; ${s.detail})`;
}
