import type * as tf from '@tensorflow/tfjs-core';

/**
 * The part of the TF.js wasm backend a JavaScript kernel needs to work on tensors in place: every
 * tensor lives in the module's linear memory, and `typedArrayFromHeap` views it without a copy.
 * Typed structurally so this module does not depend on @tensorflow/tfjs-backend-wasm.
 */
export interface HeapBackend {
  makeOutput(shape: number[], dtype: tf.DataType): tf.TensorInfo;
  typedArrayFromHeap(t: tf.TensorInfo): Float32Array | Int32Array | Uint8Array;
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
