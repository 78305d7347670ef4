import type * as tf from '@tensorflow/tfjs-core';
import type { ConvGeometry } from './conv-geometry';
import { convGradArgs } from './conv-grad-args';
import { runByImagesSummed } from './split-by-images';
import type { HeapSimd } from './wasm-heap';
import { winogradFilterTransform } from './winograd-filter-transform';

/** Whether convForwardWinograd takes these channel counts (4 in, 8 out channels per SIMD step). */
export function winogradChannelsFit(cin: number, cout: number): boolean {
  return cin > 0 && cout > 0 && cin % 4 === 0 && cout % 8 === 0;
}

/**
 * y = x ⋆ filter (+ bias, activation code as convForwardBlocked's) for a 3×3 stride-1 convolution
 * by Winograd F(2×2, 3×3) (convForwardWinograd in kernels.wat), split by images across the SIMD
 * threads, each call with its own transform scratch. `g` is a 3×3 stride-1 undilated geometry
 * (its top/left: zero rows above / columns left of the input, negative: rows / columns skipped).
 * `filterHwio` is read (HWIO, [3, 3, cin, cout]) after the kernel's allocations, so it may view
 * the heap. Channels must fit (winogradChannelsFit).
 */
export function winogradConv3x3(
  simd: HeapSimd,
  x: tf.TensorInfo,
  filterHwio: () => Float32Array,
  bias: tf.TensorInfo | undefined,
  g: ConvGeometry,
  cin: number,
  cout: number,
  act: number,
): tf.TensorInfo {
  const out = simd.backend.makeOutput([g.batch, g.outH, g.outW, cout], 'float32');
  if (g.batch === 0 || g.outH === 0 || g.outW === 0) return out;
  const uFloats = 16 * cin * cout;
  const scratchBytes = 16 * 4 * (cin + cout) * 4;
  const { geometry, inputImageBytes, outputImageBytes } = convGradArgs(g, cin, cout);
  const block = simd.malloc(uFloats * 4 + scratchBytes + 16);
  try {
    const u = Math.ceil(block / 16) * 16;
    // views after the last allocation (growing the memory detaches them)
    winogradFilterTransform(filterHwio(), cin, cout, simd.floats(u, uFloats));
    runByImagesSummed(
      simd,
      'convForwardWinograd',
      {
        ...geometry,
        x: simd.address(x),
        u,
        bias: bias === undefined ? 0 : simd.address(bias),
        y: simd.address(out),
        scratch: u + uFloats * 4,
        hasBias: bias === undefined ? 0 : 1,
        act,
      },
      {
        batch: 'n',
        perImage: { x: inputImageBytes, y: outputImageBytes },
        // nothing is summed: each call only needs its own transform scratch
        outs: {},
        scratch: { scratch: scratchBytes },
      },
    );
  } finally {
    simd.free(block);
  }
  return out;
}
