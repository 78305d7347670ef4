import * as tf from '@tensorflow/tfjs-core';
import type { HeapBackend } from './wasm-heap';

/**
 * Slices that are one contiguous run of the input's elements (every axis before the first sliced
 * one has size 1 in the slice: a SplitV along axis 0 of a flat buffer, a row range), copied
 * inside the wasm heap. TF.js's wasm Slice first copies the whole input out of the heap
 * (`readSync`) for every slice, and its SplitV runs one such Slice per part: splitting the
 * optimizer's flat 56,714-parameter buffer into 8 variables copied 8 × 227 KB per step, the
 * benchmark CNN's 421,674 parameters 7 × 1.7 MB.
 */

/** The flat element offset of a contiguous slice of `shape`, or undefined when it is not one run. */
export function contiguousSliceOffset(
  shape: readonly number[],
  begin: readonly number[],
  size: readonly number[],
): number | undefined {
  if (!tf.slice_util.isSliceContinous([...shape], [...begin], [...size])) return undefined;
  return tf.slice_util.computeFlatOffset([...begin], tf.util.computeStrides([...shape]));
}

/** The `count` elements of `x` from flat `offset` as a new tensor of `shape`, copied in the heap. */
function copyRun(
  backend: HeapBackend,
  x: tf.TensorInfo,
  offset: number,
  shape: number[],
): tf.TensorInfo {
  const out = backend.makeOutput(shape, x.dtype);
  const count = tf.util.sizeFromShape(shape);
  // Views only after makeOutput: allocating may grow the memory and detach earlier views.
  const source = backend.typedArrayFromHeap(x);
  backend.typedArrayFromHeap(out).set(source.subarray(offset, offset + count));
  return out;
}

/** Slice {x} with attrs {begin, size} where it is one contiguous run; undefined otherwise. */
export function contiguousSlice(
  backend: HeapBackend,
  x: tf.TensorInfo,
  begin: number | number[],
  size?: number | number[],
): tf.TensorInfo | undefined {
  if (x.dtype === 'string') return undefined;
  const [b, s] = tf.slice_util.parseSliceParams(x as tf.Tensor, begin, size);
  const offset = contiguousSliceOffset(x.shape, b, s);
  return offset === undefined ? undefined : copyRun(backend, x, offset, s);
}

/**
 * SplitV {x} into parts along `axis` where every part is a contiguous run (all axes before `axis`
 * have size 1); undefined otherwise.
 */
export function contiguousSplit(
  backend: HeapBackend,
  x: tf.TensorInfo,
  numOrSizeSplits: number | number[],
  axis: number,
): tf.TensorInfo[] | undefined {
  if (x.dtype === 'string') return undefined;
  const [a] = tf.util.parseAxisParam(axis, x.shape);
  if (a === undefined || x.shape.slice(0, a).some((d) => d !== 1)) return undefined;
  const sizes = tf.backend_util.prepareSplitSize(x as tf.Tensor, numOrSizeSplits, a);
  const inner = tf.util.sizeFromShape(x.shape.slice(a + 1));
  let offset = 0;
  return sizes.map((part) => {
    const shape = [...x.shape];
    shape[a] = part;
    const out = copyRun(backend, x, offset, shape);
    offset += part * inner;
    return out;
  });
}
