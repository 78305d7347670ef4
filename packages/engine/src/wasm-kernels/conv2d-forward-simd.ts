import * as tf from '@tensorflow/tfjs-core';
import { forwardConvCallGeometry, type ForwardConvCall } from './conv-call-geometry';
import { convGradArgs } from './conv-grad-args';
import { isPointwise } from './conv2d-backprop';
import { runByImages } from './split-by-images';
import type { HeapSimd } from './wasm-heap';

/**
 * Conv2D / FusedConv2D (NHWC, no dilation; any kernel size, stride and padding; bias and
 * linear/ReLU/ReLU6 fused) as one SIMD pass, split by images across the SIMD threads: 4 output
 * pixels × 8 out channels accumulate in registers over every tap. Undefined where out channels are
 * not a multiple of 8, the convolution is pointwise (XNNPACK's GEMM there) or dilated, or the activation
 * is not one it fuses.
 */
export function conv2dForwardSimd(
  simd: HeapSimd,
  call: ForwardConvCall,
): tf.TensorInfo | undefined {
  const parsed = forwardConvCallGeometry(call);
  if (parsed === undefined || parsed.cout % 8 !== 0) return undefined;
  const { act, g, cin, cout } = parsed;
  const { x, filter, bias } = call;
  if (g.dh !== 1 || g.dw !== 1 || isPointwise(g)) return undefined;
  const { geometry, inputImageBytes, outputImageBytes } = convGradArgs(g, cin, cout);
  const out = simd.backend.makeOutput([g.batch, g.outH, g.outW, cout], 'float32');
  const at = simd.address;
  runByImages(
    simd,
    'convForwardBlocked',
    {
      ...geometry,
      x: at(x),
      w: at(filter),
      bias: bias === undefined ? 0 : at(bias),
      y: at(out),
      hasBias: bias === undefined ? 0 : 1,
      act,
    },
    { batch: 'n', perImage: { x: inputImageBytes, y: outputImageBytes } },
  );
  return out;
}
