import type * as tf from '@tensorflow/tfjs-core';
import { inputGradCallGeometry, type InputGradCall } from './conv-call-geometry';
import { flippedTransposedFilter } from './flipped-transposed-filter';
import type { HeapSimd } from './wasm-heap';
import { winogradChannelsFit, winogradConv3x3 } from './winograd-conv3x3';

/**
 * In channels (dx's) from which the Winograd input gradient beats the direct SIMD kernel: 1 thread,
 * batch 128 (tools/bench/engine/winograd-input-grad-micro.ts): 32 in / 64 out channels 1.13×
 * and 32 / 32 1.72× less CPU time, 16 / 32 0.95× (the direct kernel's 8-channel blocks are
 * cheaper there).
 */
export const WINOGRAD_INPUT_GRAD_MIN_IN_CHANNELS = 32;

/**
 * Conv2DBackpropInput of a 3×3 stride-1 NHWC convolution (any padding) by Winograd F(2×2, 3×3):
 * dx is dy convolved with the filter rotated by 180° and its channels swapped, padded by 2 − the
 * forward padding. Undefined where that does not apply: not 3×3 stride 1, dilated, or out
 * channels (dy's) not a multiple of 4 or in channels (dx's) not of 8.
 */
export function conv2dBackpropInputWinograd(
  simd: HeapSimd,
  call: InputGradCall,
): tf.TensorInfo | undefined {
  const parsed = inputGradCallGeometry(call);
  if (parsed === undefined) return undefined;
  const { g, kh, kw, cin, cout } = parsed;
  const { dy, filter } = call;
  if (kh !== 3 || kw !== 3 || !winogradChannelsFit(cout, cin)) return undefined;
  if (g.sh !== 1 || g.sw !== 1) return undefined;
  if (dy.shape[1] !== g.outH || dy.shape[2] !== g.outW || dy.shape[3] !== cout) return undefined;
  // dx = dy ⋆ rotated filter: the forward convolution with input and output swapped
  const rotated = {
    ...g,
    inH: g.outH,
    inW: g.outW,
    inC: cout,
    outH: g.inH,
    outW: g.inW,
    top: 2 - g.top,
    left: 2 - g.left,
  };
  return winogradConv3x3(
    simd,
    dy,
    () =>
      flippedTransposedFilter(simd.floats(simd.address(filter), 9 * cin * cout), 3, 3, cin, cout),
    undefined,
    rotated,
    cout,
    cin,
    0,
  );
}
