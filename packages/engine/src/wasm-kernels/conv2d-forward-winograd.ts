import * as tf from '@tensorflow/tfjs-core';
import { forwardConvCallGeometry, type ForwardConvCall } from './conv-call-geometry';
import type { HeapSimd } from './wasm-heap';
import { winogradChannelsFit, winogradConv3x3 } from './winograd-conv3x3';

/**
 * Conv2D / FusedConv2D for a 3×3 stride-1 undilated NHWC convolution (any padding; bias and
 * linear/ReLU/ReLU6 fused) by Winograd F(2×2, 3×3) (convForwardWinograd in kernels.wat), split by
 * images across the SIMD threads: 16 multiply-adds per 2×2 output pixels and in channel instead of
 * 36. The filter is transformed here on every call (training changes it every step). Undefined
 * where the kernel does not apply: not 3×3 stride 1, dilated, in channels not a multiple of 4,
 * out channels not a multiple of 8, or an activation it does not fuse.
 *
 * Round-off: the transforms add and subtract up to 16 terms around the products, so the error
 * exceeds the direct kernel's: 1e-7 to 6e-7 of the output's largest magnitude against the cpu
 * backend on the tests' shapes (cin 4 to 32), tested below 5e-6.
 */
export function conv2dForwardWinograd(
  simd: HeapSimd,
  call: ForwardConvCall,
): tf.TensorInfo | undefined {
  const parsed = forwardConvCallGeometry(call);
  if (parsed === undefined) return undefined;
  const { act, g, kh, kw, cin, cout } = parsed;
  const { x, filter, bias } = call;
  if (kh !== 3 || kw !== 3 || !winogradChannelsFit(cin, cout)) return undefined;
  if (g.sh !== 1 || g.sw !== 1 || g.dh !== 1 || g.dw !== 1) return undefined;
  return winogradConv3x3(
    simd,
    x,
    () => simd.floats(simd.address(filter), 9 * cin * cout),
    bias,
    g,
    cin,
    cout,
    act,
  );
}
