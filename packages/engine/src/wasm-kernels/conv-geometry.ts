import * as tf from '@tensorflow/tfjs-core';

export type PadAttr = 'valid' | 'same' | number | tf.backend_util.ExplicitPadding;

/** Geometry of a forward NHWC convolution, from TF.js's own conv bookkeeping. */
export interface ConvGeometry {
  readonly batch: number;
  readonly inH: number;
  readonly inW: number;
  readonly inC: number;
  readonly outH: number;
  readonly outW: number;
  readonly kh: number;
  readonly kw: number;
  readonly sh: number;
  readonly sw: number;
  readonly dh: number;
  readonly dw: number;
  readonly top: number;
  readonly left: number;
}

export function convGeometry(
  inShape: readonly number[],
  filterShape: readonly number[],
  strides: [number, number] | number,
  dilations: [number, number] | number,
  pad: PadAttr,
  dimRoundingMode: 'floor' | 'round' | 'ceil' | undefined,
  depthwise: boolean,
): ConvGeometry {
  return geometryOf(
    tf.backend_util.computeConv2DInfo(
      inShape as [number, number, number, number],
      filterShape as [number, number, number, number],
      strides,
      dilations,
      pad,
      dimRoundingMode,
      depthwise,
    ),
  );
}

/** The fields of TF.js's convolution/pooling bookkeeping the kernels use. */
export function geometryOf(info: tf.backend_util.Conv2DInfo): ConvGeometry {
  return {
    batch: info.batchSize,
    inH: info.inHeight,
    inW: info.inWidth,
    inC: info.inChannels,
    outH: info.outHeight,
    outW: info.outWidth,
    kh: info.filterHeight,
    kw: info.filterWidth,
    sh: info.strideHeight,
    sw: info.strideWidth,
    dh: info.dilationHeight,
    dw: info.dilationWidth,
    top: info.padInfo.top,
    left: info.padInfo.left,
  };
}

/**
 * The input as the forward convolution saw it: padded at top/left, and at bottom/right exactly
 * as far as the last window reaches (cropped when the windows stop short of the input's end).
 */
export function paddedInput(x: tf.Tensor4D, g: ConvGeometry): tf.Tensor4D {
  const needH = (g.outH - 1) * g.sh + (g.kh - 1) * g.dh + 1;
  const needW = (g.outW - 1) * g.sw + (g.kw - 1) * g.dw + 1;
  const bottom = needH - g.inH - g.top;
  const right = needW - g.inW - g.left;
  let out = x;
  if (g.top > 0 || g.left > 0 || bottom > 0 || right > 0) {
    out = tf.pad(out, [
      [0, 0],
      [g.top, Math.max(0, bottom)],
      [g.left, Math.max(0, right)],
      [0, 0],
    ]);
  }
  if (bottom < 0 || right < 0) out = tf.slice(out, [0, 0, 0, 0], [-1, needH, needW, -1]);
  return out;
}

/**
 * The window taps of a convolution as strided views of the padded input: tap (a, e) is
 * [N, outH, outW, C] holding the input under kernel position (a, e) for every output pixel.
 */
export function windowTaps(xp: tf.Tensor4D, g: ConvGeometry): tf.Tensor4D[] {
  const taps: tf.Tensor4D[] = [];
  const [n, , , c] = xp.shape;
  for (let a = 0; a < g.kh; a++) {
    for (let e = 0; e < g.kw; e++) {
      const r0 = a * g.dh;
      const c0 = e * g.dw;
      // StridedSlice runs in wasm; Slice copies row by row in JavaScript (slow for few channels).
      taps.push(
        tf.stridedSlice(
          xp,
          [0, r0, c0, 0],
          [n, r0 + (g.outH - 1) * g.sh + 1, c0 + (g.outW - 1) * g.sw + 1, c],
          [1, g.sh, g.sw, 1],
        ) as tf.Tensor4D,
      );
    }
  }
  return taps;
}

/**
 * Spread dy for the input gradient of a strided convolution: (s − 1) zeros between rows/columns,
 * then pad so that a stride-1 'valid' correlation with the flipped (dilated) kernel yields [inH, inW].
 */
export function spreadAndPadGradient(dy: tf.Tensor4D, g: ConvGeometry): tf.Tensor4D {
  const [n, oh, ow, c] = dy.shape;
  let d: tf.Tensor4D = dy;
  if (g.sh > 1 || g.sw > 1) {
    const spread = tf.pad(tf.reshape(dy, [n, oh, 1, ow, 1, c]), [
      [0, 0],
      [0, 0],
      [0, g.sh - 1],
      [0, 0],
      [0, g.sw - 1],
      [0, 0],
    ]);
    d = tf.slice(
      tf.reshape(spread, [n, oh * g.sh, ow * g.sw, c]),
      [0, 0, 0, 0],
      [n, (oh - 1) * g.sh + 1, (ow - 1) * g.sw + 1, c],
    ) as tf.Tensor4D;
  }
  const effH = (g.kh - 1) * g.dh + 1;
  const effW = (g.kw - 1) * g.dw + 1;
  const top = effH - 1 - g.top;
  const left = effW - 1 - g.left;
  const bottom = g.inH + effH - 1 - d.shape[1] - top;
  const right = g.inW + effW - 1 - d.shape[2] - left;
  // Negative amounts crop (outputs whose windows never reached those rows get zero gradient).
  const padded = tf.pad(d, [
    [0, 0],
    [Math.max(0, top), Math.max(0, bottom)],
    [Math.max(0, left), Math.max(0, right)],
    [0, 0],
  ]);
  if (top >= 0 && left >= 0 && bottom >= 0 && right >= 0) return padded;
  const h = padded.shape[1] - Math.max(0, -top) - Math.max(0, -bottom);
  const w = padded.shape[2] - Math.max(0, -left) - Math.max(0, -right);
  return tf.slice(padded, [0, Math.max(0, -top), Math.max(0, -left), 0], [n, h, w, c]);
}
