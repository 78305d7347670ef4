import * as tf from '@tensorflow/tfjs-core';
import { geometryOf, type ConvGeometry, type PadAttr } from './conv-geometry';
import { poolKernelArgs } from './pool-kernel-args';
import { runByImages } from './split-by-images';
import { heapFloats, heapSimd, type HeapBackend } from './wasm-heap';

/** Geometry of a 2-D max pooling (NHWC): a convolution geometry whose channels are `inC`. */
export type PoolGeometry = ConvGeometry;

export function poolGeometry(
  inShape: readonly number[],
  filterSize: [number, number] | number,
  strides: [number, number] | number,
  pad: PadAttr,
  dimRoundingMode?: 'floor' | 'round' | 'ceil',
): PoolGeometry {
  return geometryOf(
    tf.backend_util.computePool2DInfo(
      inShape as [number, number, number, number],
      filterSize,
      strides,
      1,
      pad,
      dimRoundingMode,
    ),
  );
}

/**
 * Gradient of 2-D max pooling into `dx` (which must be zero): each dy goes to the first maximum of
 * its window in row-major order, as TensorFlow routes it; padded positions never win, overlapping
 * windows accumulate, and an all-negative (or all −∞) window still routes to its first maximum.
 * One pass over the windows, channels innermost (the NHWC memory order).
 */
export function maxPoolGradInto(
  x: Float32Array,
  dy: Float32Array,
  g: PoolGeometry,
  dx: Float32Array,
): void {
  const { inH, inW, inC: c, outH, outW } = g;
  const best = new Float32Array(c);
  const where = new Int32Array(c);
  let o = 0; // index of dy[b, oy, ox, 0]
  for (let b = 0; b < g.batch; b++) {
    const image = b * inH * inW * c;
    for (let oy = 0; oy < outH; oy++) {
      const y0 = oy * g.sh - g.top;
      for (let ox = 0; ox < outW; ox++, o += c) {
        const x0 = ox * g.sw - g.left;
        where.fill(-1);
        for (let ky = 0; ky < g.kh; ky++) {
          const iy = y0 + ky;
          if (iy < 0 || iy >= inH) continue;
          for (let kx = 0; kx < g.kw; kx++) {
            const ix = x0 + kx;
            if (ix < 0 || ix >= inW) continue;
            const base = image + (iy * inW + ix) * c;
            for (let ch = 0; ch < c; ch++) {
              const v = x[base + ch]!;
              if (where[ch]! < 0 || v > best[ch]!) {
                best[ch] = v;
                where[ch] = base + ch;
              }
            }
          }
        }
        for (let ch = 0; ch < c; ch++) {
          const at = where[ch]!;
          if (at >= 0) dx[at] = dx[at]! + dy[o + ch]!;
        }
      }
    }
  }
}

/**
 * `maxPoolGradInto` for the usual 2×2 pooling with stride 2 and no padding: windows are disjoint,
 * so every input position is written exactly once (no zero fill, no accumulation) and the window
 * is compared in registers. Input rows/columns past the last window get zero.
 */
export function maxPoolGrad2x2Into(
  x: Float32Array,
  dy: Float32Array,
  g: PoolGeometry,
  dx: Float32Array,
): void {
  const { inH, inW, inC: c, outH, outW } = g;
  const row = inW * c;
  if (outH * 2 !== inH || outW * 2 !== inW) dx.fill(0);
  let o = 0;
  for (let b = 0; b < g.batch; b++) {
    for (let oy = 0; oy < outH; oy++) {
      let p = (b * inH + 2 * oy) * row;
      for (let ox = 0; ox < outW; ox++, p += 2 * c) {
        for (let ch = 0; ch < c; ch++, o++) {
          const i0 = p + ch;
          const i1 = i0 + c;
          const i2 = i0 + row;
          const i3 = i2 + c;
          const v0 = x[i0]!;
          const v1 = x[i1]!;
          const v2 = x[i2]!;
          const v3 = x[i3]!;
          // First maximum in row-major order: a later tap wins only when strictly greater.
          let best = v0;
          let k = 0;
          if (v1 > best) {
            best = v1;
            k = 1;
          }
          if (v2 > best) {
            best = v2;
            k = 2;
          }
          if (v3 > best) k = 3;
          const d = dy[o]!;
          dx[i0] = k === 0 ? d : 0;
          dx[i1] = k === 1 ? d : 0;
          dx[i2] = k === 2 ? d : 0;
          dx[i3] = k === 3 ? d : 0;
        }
      }
    }
  }
}

/** 2×2 windows with stride 2 that all lie inside the input (no padding on any side). */
export function isDisjoint2x2(g: PoolGeometry): boolean {
  return (
    g.kh === 2 &&
    g.kw === 2 &&
    g.sh === 2 &&
    g.sw === 2 &&
    g.top === 0 &&
    g.left === 0 &&
    g.outH * 2 <= g.inH &&
    g.outW * 2 <= g.inW
  );
}

/**
 * MaxPoolGrad as a wasm-heap kernel: reads x and dy in place, writes dx in place (2×2/2 windows
 * in WebAssembly SIMD when available, else in JavaScript).
 */
export function maxPoolGradKernel(
  backend: HeapBackend,
  input: tf.TensorInfo,
  dy: tf.TensorInfo,
  g: PoolGeometry,
): tf.TensorInfo {
  const out = backend.makeOutput([...input.shape], 'float32');
  const simd = isDisjoint2x2(g) ? heapSimd(backend) : undefined;
  if (simd !== undefined) {
    const { geometry, inputImageBytes, outputImageBytes } = poolKernelArgs(g);
    const at = simd.address;
    runByImages(
      simd,
      'maxPoolGrad2x2',
      { ...geometry, x: at(input), dy: at(dy), dx: at(out) },
      {
        batch: 'batch',
        perImage: { x: inputImageBytes, dy: outputImageBytes, dx: inputImageBytes },
      },
    );
    return out;
  }
  const dx = heapFloats(backend, out);
  if (isDisjoint2x2(g)) {
    maxPoolGrad2x2Into(heapFloats(backend, input), heapFloats(backend, dy), g, dx);
  } else {
    dx.fill(0);
    maxPoolGradInto(heapFloats(backend, input), heapFloats(backend, dy), g, dx);
  }
  return out;
}
