import * as tf from '@tensorflow/tfjs-core';
import { convGeometry, type PadAttr } from './conv-geometry';
import { convGradArgs } from './conv-grad-args';
import { isPointwise } from './conv2d-backprop';
import { runByImages } from './split-by-images';
import type { HeapSimd } from './wasm-heap';

/** The activations convForwardBlocked applies to its output, by TF.js's fused activation name. */
const FUSED_ACTIVATION_CODES: Readonly<Record<string, number>> = { linear: 0, relu: 1, relu6: 2 };

/** The activation code convForwardBlocked takes, or undefined for one it does not fuse. */
export function forwardActivationCode(activation: string | undefined): number | undefined {
  return FUSED_ACTIVATION_CODES[activation ?? 'linear'];
}

/**
 * Conv2D / FusedConv2D (NHWC, no dilation; any kernel size, stride and padding; bias and
 * linear/ReLU/ReLU6 fused) as one SIMD pass, split by images across the SIMD threads: 4 output
 * pixels × 8 out channels accumulate in registers over every tap. Undefined where out channels are
 * not a multiple of 8, the convolution is pointwise (XNNPACK's GEMM there) or dilated, or the activation
 * is not one it fuses.
 */
export function conv2dForwardSimd(
  simd: HeapSimd,
  x: tf.TensorInfo,
  filter: tf.TensorInfo,
  bias: tf.TensorInfo | undefined,
  strides: [number, number] | number,
  pad: PadAttr,
  dilations: [number, number] | number | undefined,
  dimRoundingMode: 'floor' | 'round' | 'ceil' | undefined,
  activation: string | undefined,
): tf.TensorInfo | undefined {
  const act = forwardActivationCode(activation);
  if (act === undefined || x.shape.length !== 4 || filter.shape.length !== 4) return undefined;
  const [, , cin, cout] = filter.shape as [number, number, number, number];
  if (cout % 8 !== 0) return undefined;
  if (bias !== undefined && (bias.shape.length !== 1 || bias.shape[0] !== cout)) return undefined;
  const g = convGeometry(
    x.shape,
    filter.shape,
    strides,
    dilations ?? 1,
    pad,
    dimRoundingMode,
    false,
  );
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
