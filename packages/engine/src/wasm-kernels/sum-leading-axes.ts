import * as tf from '@tensorflow/tfjs-core';
import { runByImagesSummed } from './split-by-images';
import { heapFloats, heapSimd, type HeapBackend } from './wasm-heap';

/**
 * The reduction as [rows, cols] when it sums a float32 tensor over a proper leading prefix of its
 * axes (a bias gradient: every axis but the channels), else undefined.
 */
export function leadingAxesReduction(
  shape: readonly number[],
  axis: number | number[] | undefined,
): { rows: number; kept: number[]; reduced: number } | undefined {
  if (shape.length < 2) return undefined;
  const all = shape.map((_, i) => i);
  const axes = [...new Set(tf.util.parseAxisParam(axis ?? all, [...shape]))].sort((a, b) => a - b);
  const k = axes.length;
  if (k === 0 || k >= shape.length || axes.some((a, i) => a !== i)) return undefined;
  return { rows: tf.util.sizeFromShape(shape.slice(0, k)), kept: shape.slice(k), reduced: k };
}

/** out[c] = Σ_r x[r·cols + c], accumulated in float64. */
export function sumRowsInto(x: Float32Array, rows: number, out: Float32Array): void {
  const cols = out.length;
  const acc = new Float64Array(cols);
  for (let r = 0, i = 0; r < rows; r++) for (let c = 0; c < cols; c++, i++) acc[c] += x[i]!;
  out.set(acc);
}

/**
 * Σ over leading axes as one pass over the wasm heap (WebAssembly SIMD when available, split by
 * rows across the SIMD threads, else JavaScript). The stock wasm Sum first
 * transposes the whole input so that the reduced axes come last (~5 ms for a 64×26×26×32
 * activation, against ~1 ms here); a ones-row MatMul would repack the input as XNNPACK weights on
 * every call, which costs as much.
 */
export function sumLeadingAxesKernel(
  backend: HeapBackend,
  x: tf.TensorInfo,
  rows: number,
  outShape: number[],
): tf.TensorInfo {
  const out = backend.makeOutput(outShape, 'float32');
  const simd = heapSimd(backend);
  if (simd === undefined) {
    sumRowsInto(heapFloats(backend, x), rows, heapFloats(backend, out));
    return out;
  }
  const cols = tf.util.sizeFromShape(outShape);
  const scratch = simd.malloc(cols * 8);
  try {
    runByImagesSummed(
      simd,
      'sumRows',
      { x: simd.address(x), rows, cols, out: simd.address(out), scratch },
      {
        batch: 'rows',
        perImage: { x: cols * 4 },
        outs: { out: cols },
        scratch: { scratch: cols * 8 },
      },
    );
  } finally {
    simd.free(scratch);
  }
  return out;
}
