/**
 * Layout conversions between the IR (NHWC activations, Keras weight layouts) and ONNX (NCHW
 * activations, OIHW weights). Pure functions over typed arrays.
 */
import { transposeTensor, type DType, type Tensor } from '@collabopt/core';

/** Permutation taking an NHWC tensor to NCHW (numpy.transpose argument). */
export const NHWC_TO_NCHW = [0, 3, 1, 2] as const;
/** Permutation taking an NCHW tensor to NHWC. */
export const NCHW_TO_NHWC = [0, 2, 3, 1] as const;

/** ONNX axis of IR axis `axis` of a rank-4 NHWC value (negative axes allowed). */
export function nhwcAxisToNchw(axis: number, rank: number): number {
  const a = axis < 0 ? axis + rank : axis;
  if (rank !== 4) return a;
  return [0, 2, 3, 1][a]!;
}

/** IR (NHWC) axis of ONNX axis `axis` of a rank-4 NCHW value. */
export function nchwAxisToNhwc(axis: number, rank: number): number {
  const a = axis < 0 ? axis + rank : axis;
  if (rank !== 4) return a;
  return [0, 3, 1, 2][a]!;
}

/** Shape permuted: out[i] = shape[perm[i]]. */
export function permuteShape<T>(shape: readonly T[], perm: readonly number[]): T[] {
  return perm.map((p) => shape[p]!);
}

/** Conv2D kernel [kh, kw, cin, cout] → ONNX Conv weight [cout, cin, kh, kw]. */
export function convKernelToOihw<D extends DType>(k: Tensor<D>): Tensor<D> {
  return transposeTensor(k, [3, 2, 0, 1]);
}

/** ONNX Conv weight [cout, cin, kh, kw] → Conv2D kernel [kh, kw, cin, cout]. */
export function oihwToConvKernel<D extends DType>(w: Tensor<D>): Tensor<D> {
  return transposeTensor(w, [2, 3, 1, 0]);
}

/**
 * DepthwiseConv2D kernel [kh, kw, cin, m] → ONNX grouped Conv weight [cin·m, 1, kh, kw]
 * (group = cin; output channel c·m + j).
 */
export function depthwiseKernelToOihw<D extends DType>(k: Tensor<D>): Tensor<D> {
  const [kh, kw, cin, m] = k.shape as [number, number, number, number];
  const t = transposeTensor(k, [2, 3, 0, 1]); // [cin, m, kh, kw]
  return { dtype: t.dtype, shape: [cin * m, 1, kh, kw], data: t.data };
}

/** ONNX grouped Conv weight [cin·m, 1, kh, kw] (group = cin) → DepthwiseConv2D kernel [kh, kw, cin, m]. */
export function oihwToDepthwiseKernel<D extends DType>(w: Tensor<D>, cin: number): Tensor<D> {
  const [o, , kh, kw] = w.shape as [number, number, number, number];
  const m = o / cin;
  const r: Tensor<D> = { dtype: w.dtype, shape: [cin, m, kh, kw], data: w.data };
  return transposeTensor(r, [2, 3, 0, 1]);
}

/** Conv2DTranspose kernel [kh, kw, cout, cin] → ONNX ConvTranspose weight [cin, cout, kh, kw]. */
export function deconvKernelToOnnx<D extends DType>(k: Tensor<D>): Tensor<D> {
  return transposeTensor(k, [3, 2, 0, 1]);
}

/** ONNX ConvTranspose weight [cin, cout, kh, kw] → Conv2DTranspose kernel [kh, kw, cout, cin]. */
export function onnxToDeconvKernel<D extends DType>(w: Tensor<D>): Tensor<D> {
  return transposeTensor(w, [2, 3, 1, 0]);
}

/**
 * For a flattened [H, W, C] feature map: `map[j]` is the NHWC (row-major h, w, c) index of the
 * feature that sits at NCHW (row-major c, h, w) index j.
 */
export function nchwToNhwcFlatIndex(h: number, w: number, c: number): Int32Array {
  const map = new Int32Array(h * w * c);
  let j = 0;
  for (let ci = 0; ci < c; ci++) {
    for (let hi = 0; hi < h; hi++) {
      for (let wi = 0; wi < w; wi++) map[j++] = (hi * w + wi) * c + ci;
    }
  }
  return map;
}

/**
 * Reorder the rows (axis 0) of a [rows, cols] tensor: out row j = in row map[j] (or the inverse:
 * out row map[j] = in row j when `inverse`).
 */
export function permuteRows<D extends DType>(
  t: Tensor<D>,
  map: Int32Array,
  inverse = false,
): Tensor<D> {
  const [rows, cols] = t.shape as [number, number];
  if (map.length !== rows)
    throw new RangeError(`row map has ${map.length} entries, tensor has ${rows} rows`);
  const src = t.data as unknown as {
    [i: number]: number | bigint;
    length: number;
    constructor: new (n: number) => unknown;
  };
  const out = new src.constructor(src.length) as { [i: number]: number | bigint };
  for (let j = 0; j < rows; j++) {
    const from = inverse ? j : map[j]!;
    const to = inverse ? map[j]! : j;
    for (let c = 0; c < cols; c++) out[to * cols + c] = src[from * cols + c]!;
  }
  return { dtype: t.dtype, shape: [rows, cols], data: out as unknown as Tensor<D>['data'] };
}
