import { reshapeTensor, transposeTensor, type DType, type Tensor } from '@collabopt/core';

/**
 * Weight layout conversions between the IR (Keras layouts) and TFLite. This file is the only place
 * that knows the TFLite layouts:
 * - CONV_2D filter `[cout, kh, kw, cin]` (OHWI)            ← Keras `[kh, kw, cin, cout]`
 * - DEPTHWISE_CONV_2D filter `[1, kh, kw, cin·mult]`        ← Keras `[kh, kw, cin, mult]` (same element order)
 * - FULLY_CONNECTED weights `[out, in]`                     ← Keras Dense `[in, out]`
 * - TRANSPOSE_CONV filter `[cout, kh, kw, cin]`             ← Keras Conv2DTranspose `[kh, kw, cout, cin]`
 */
export type WeightLayout = 'conv' | 'depthwise' | 'dense' | 'transposeConv' | 'vector';

/** The TFLite axis that holds the output channel of each layout (the quantized dimension). */
export const TFLITE_CHANNEL_AXIS: Readonly<Record<WeightLayout, number>> = {
  conv: 0,
  depthwise: 3,
  dense: 0,
  transposeConv: 0,
  vector: 0,
};

export function toTfliteLayout<D extends DType>(t: Tensor<D>, layout: WeightLayout): Tensor<D> {
  switch (layout) {
    case 'conv':
      return transposeTensor(t, [3, 0, 1, 2]);
    case 'depthwise': {
      const [kh, kw, cin, m] = t.shape as [number, number, number, number];
      return reshapeTensor(t, [1, kh, kw, cin * m]);
    }
    case 'dense':
      return transposeTensor(t, [1, 0]);
    case 'transposeConv':
      return transposeTensor(t, [2, 0, 1, 3]);
    case 'vector':
      return t;
  }
}

/** Inverse of `toTfliteLayout`; depthwise needs the input channel count to split `cin·mult`. */
export function fromTfliteLayout<D extends DType>(
  t: Tensor<D>,
  layout: WeightLayout,
  inChannels = 0,
): Tensor<D> {
  switch (layout) {
    case 'conv':
      return transposeTensor(t, [1, 2, 3, 0]);
    case 'depthwise': {
      const [, kh, kw, c] = t.shape as [number, number, number, number];
      return reshapeTensor(t, [kh, kw, inChannels, c / inChannels]);
    }
    case 'dense':
      return transposeTensor(t, [1, 0]);
    case 'transposeConv':
      return transposeTensor(t, [1, 2, 0, 3]);
    case 'vector':
      return t;
  }
}
