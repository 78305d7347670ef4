import { SIMD_KERNELS_PLAIN, SIMD_KERNELS_SHARED, SIMD_KERNEL_PARAMS } from './kernels-binary';

/** The name of a function kernels.wat exports (each documented there). */
export type SimdKernelName = keyof typeof SIMD_KERNEL_PARAMS;

/**
 * A kernel's arguments by the parameter names of kernels.wat (generated into SIMD_KERNEL_PARAMS):
 * every argument named like a tensor is a byte offset into the backend's memory.
 */
export type SimdArgs<K extends SimdKernelName> = {
  readonly [P in SimdParam<K>]: number;
};

/** The parameter names of kernel K. */
export type SimdParam<K extends SimdKernelName> = (typeof SIMD_KERNEL_PARAMS)[K][number];

/**
 * The WebAssembly SIMD kernels of kernels.wat, instantiated on the TF.js wasm backend's memory,
 * each called with named arguments. One binding table (SIMD_KERNEL_PARAMS, generated from the
 * .wat's parameter lists) serves every kernel, here and on helper threads.
 */
export type SimdKernels = {
  readonly [K in SimdKernelName]: (args: SimdArgs<K>) => void;
};

/** The arguments in kernels.wat's parameter order. */
export function positionalArgs<K extends SimdKernelName>(name: K, args: SimdArgs<K>): number[] {
  const named = args as Readonly<Record<string, number>>;
  return SIMD_KERNEL_PARAMS[name].map((p: string) => {
    const v = named[p];
    if (v === undefined || !Number.isInteger(v))
      throw new Error(`SIMD kernel ${name}: argument ${p} must be an integer, got ${String(v)}`);
    return v;
  });
}

/** A WebAssembly.Memory, typed structurally (the project's TypeScript libs carry no DOM/wasm types). */
export interface WasmMemory {
  readonly buffer: ArrayBufferLike;
}

interface WebAssemblyApi {
  Module: new (bytes: Uint8Array) => object;
  Instance: new (module: object, imports: object) => { exports: unknown };
}

function decodeBase64(text: string): Uint8Array {
  if (typeof Buffer !== 'undefined') return new Uint8Array(Buffer.from(text, 'base64'));
  const raw = atob(text);
  const bytes = new Uint8Array(raw.length);
  for (let i = 0; i < raw.length; i++) bytes[i] = raw.charCodeAt(i);
  return bytes;
}

/** Whether `memory` is the shared memory of a threaded build. */
export function isSharedMemory(memory: WasmMemory): boolean {
  return typeof SharedArrayBuffer !== 'undefined' && memory.buffer instanceof SharedArrayBuffer;
}

/** The assembled kernels.wat for this kind of memory (helper threads instantiate it themselves). */
export function simdKernelsBinary(shared: boolean): Uint8Array {
  return decodeBase64(shared ? SIMD_KERNELS_SHARED : SIMD_KERNELS_PLAIN);
}

const instances = new WeakMap<WasmMemory, SimdKernels | null>();

/**
 * The kernels on `memory` (instantiated once per memory), or undefined where this WebAssembly
 * engine lacks SIMD or the memory cannot be imported; callers then use their JavaScript path.
 */
export function simdKernelsOn(memory: WasmMemory): SimdKernels | undefined {
  const hit = instances.get(memory);
  if (hit !== undefined) return hit ?? undefined;
  let kernels: SimdKernels | null = null;
  try {
    const wasm = (globalThis as unknown as { WebAssembly?: WebAssemblyApi }).WebAssembly;
    if (wasm === undefined) throw new Error('no WebAssembly');
    const module = new wasm.Module(simdKernelsBinary(isSharedMemory(memory)));
    const exports = new wasm.Instance(module, { env: { memory } }).exports as Record<
      string,
      (...args: number[]) => void
    >;
    kernels = bind(exports);
  } catch {
    kernels = null;
  }
  instances.set(memory, kernels);
  return kernels ?? undefined;
}

function bind(exports: Record<string, (...args: number[]) => void>): SimdKernels {
  const bound: Record<string, (args: never) => void> = {};
  for (const name of Object.keys(SIMD_KERNEL_PARAMS) as SimdKernelName[]) {
    const f = exports[name];
    if (typeof f !== 'function') throw new Error(`kernels.wat does not export ${name}`);
    bound[name] = (args: SimdArgs<typeof name>) => f(...positionalArgs(name, args));
  }
  return bound as unknown as SimdKernels;
}
