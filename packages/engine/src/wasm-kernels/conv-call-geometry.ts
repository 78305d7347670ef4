import type * as tf from '@tensorflow/tfjs-core';
import { convGeometry, type ConvGeometry, type PadAttr } from './conv-geometry';

/** The activations the SIMD forward kernels apply to their output, by TF.js's fused activation name. */
const FUSED_ACTIVATION_CODES: Readonly<Record<string, number>> = { linear: 0, relu: 1, relu6: 2 };

/** The activation code the SIMD forward kernels take, or undefined for one they do not fuse. */
export function forwardActivationCode(activation: string | undefined): number | undefined {
  return FUSED_ACTIVATION_CODES[activation ?? 'linear'];
}

/** A Conv2D / FusedConv2D call as TF.js hands it to a kernel (NHWC). */
export interface ForwardConvCall {
  readonly x: tf.TensorInfo;
  readonly filter: tf.TensorInfo;
  readonly bias?: tf.TensorInfo;
  readonly strides: [number, number] | number;
  readonly pad: PadAttr;
  readonly dilations?: [number, number] | number;
  readonly dimRoundingMode?: 'floor' | 'round' | 'ceil';
  /** TF.js's fused activation name (linear when absent). */
  readonly activation?: string;
}

/** A Conv2DBackpropInput call as TF.js hands it to a kernel (NHWC, no dilation). */
export interface InputGradCall<T extends tf.TensorInfo = tf.TensorInfo> {
  readonly inputShape: [number, number, number, number];
  readonly dy: T;
  readonly filter: T;
  readonly strides: [number, number] | number;
  readonly pad: PadAttr;
  readonly dimRoundingMode?: 'floor' | 'round' | 'ceil';
}

/** A convolution call's geometry with its filter's size and channel counts (HWIO). */
export interface ConvCallGeometry {
  readonly g: ConvGeometry;
  readonly kh: number;
  readonly kw: number;
  readonly cin: number;
  readonly cout: number;
}

/**
 * What every SIMD Conv2D / FusedConv2D kernel reads from its call: the activation code and the
 * geometry; undefined where none of them applies (an activation they do not fuse, x or filter
 * not rank 4, a bias that is not [cout]).
 */
export function forwardConvCallGeometry({
  x,
  filter,
  bias,
  strides,
  pad,
  dilations,
  dimRoundingMode,
  activation,
}: ForwardConvCall): (ConvCallGeometry & { readonly act: number }) | undefined {
  const act = forwardActivationCode(activation);
  if (act === undefined || x.shape.length !== 4 || filter.shape.length !== 4) return undefined;
  const [kh, kw, cin, cout] = filter.shape as [number, number, number, number];
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
  return { act, g, kh, kw, cin, cout };
}

/**
 * What every SIMD Conv2DBackpropInput kernel reads from its call: the forward convolution's
 * (undilated) geometry; undefined where dy or the filter is not rank 4.
 */
export function inputGradCallGeometry({
  inputShape,
  dy,
  filter,
  strides,
  pad,
  dimRoundingMode,
}: InputGradCall): ConvCallGeometry | undefined {
  if (filter.shape.length !== 4 || dy.shape.length !== 4) return undefined;
  const [kh, kw, cin, cout] = filter.shape as [number, number, number, number];
  const g = convGeometry(inputShape, filter.shape, strides, 1, pad, dimRoundingMode, false);
  return { g, kh, kw, cin, cout };
}
