import * as tf from '@tensorflow/tfjs-core';
import { convGeometry, windowTaps, type ConvGeometry, type PadAttr } from './conv-geometry';

/** Place a strided tap (as taken by `windowTaps` at kernel offset (a, e)) back into the padded input grid. */
function placeTap(
  g: tf.Tensor4D,
  geo: ConvGeometry,
  a: number,
  e: number,
  hp: number,
  wp: number,
): tf.Tensor4D {
  const [n, oh, ow, c] = g.shape;
  let spread: tf.Tensor4D = g;
  if (geo.sh > 1 || geo.sw > 1) {
    const s6 = tf.pad(tf.reshape(g, [n, oh, 1, ow, 1, c]), [
      [0, 0],
      [0, 0],
      [0, geo.sh - 1],
      [0, 0],
      [0, geo.sw - 1],
      [0, 0],
    ]);
    spread = tf.slice(
      tf.reshape(s6, [n, oh * geo.sh, ow * geo.sw, c]),
      [0, 0, 0, 0],
      [n, (oh - 1) * geo.sh + 1, (ow - 1) * geo.sw + 1, c],
    ) as tf.Tensor4D;
  }
  return tf.pad(spread, [
    [0, 0],
    [a, hp - a - spread.shape[1]],
    [e, wp - e - spread.shape[2]],
    [0, 0],
  ]);
}

/**
 * Gradient of 2-D max pooling with padding: each dy goes to the first maximum of its window in
 * row-major order (as TensorFlow), accumulated where windows overlap. Built from the window taps,
 * so padded positions (−∞) never win. (The stock wasm MaxPoolGrad misroutes gradients when the
 * pooling pads.)
 */
export function maxPoolGrad(
  dy: tf.Tensor4D,
  input: tf.Tensor4D,
  output: tf.Tensor4D,
  filterSize: [number, number] | number,
  strides: [number, number] | number,
  pad: PadAttr,
  dimRoundingMode?: 'floor' | 'round' | 'ceil',
): tf.Tensor4D {
  return tf.tidy(() => {
    const [n, h, w, c] = input.shape;
    const fs = typeof filterSize === 'number' ? [filterSize, filterSize] : filterSize;
    const geo = convGeometry(
      input.shape,
      [fs[0]!, fs[1]!, c, c],
      strides,
      1,
      pad,
      dimRoundingMode,
      true,
    );
    const hp = (geo.outH - 1) * geo.sh + geo.kh;
    const wp = (geo.outW - 1) * geo.sw + geo.kw;
    const padded = tf.pad(
      input,
      [
        [0, 0],
        [geo.top, Math.max(0, hp - h - geo.top)],
        [geo.left, Math.max(0, wp - w - geo.left)],
        [0, 0],
      ],
      -3.4e38,
    );
    // 'valid' windows may stop short of the input's end: crop what no window reads.
    const xp =
      padded.shape[1] > hp || padded.shape[2] > wp
        ? tf.slice(padded, [0, 0, 0, 0], [n, hp, wp, c])
        : padded;
    const taps = windowTaps(xp, geo);
    let found: tf.Tensor = tf.cast(tf.zerosLike(output), 'bool');
    let acc: tf.Tensor4D | undefined;
    taps.forEach((tap, k) => {
      const isMax = tf.logicalAnd(tf.equal(tap, output), tf.logicalNot(found));
      found = tf.logicalOr(found, isMax);
      const placed = placeTap(
        tf.where(isMax, dy, tf.zerosLike(dy)) as tf.Tensor4D,
        geo,
        Math.floor(k / geo.kw) * geo.dh,
        (k % geo.kw) * geo.dw,
        xp.shape[1],
        xp.shape[2],
      );
      acc = acc === undefined ? placed : (tf.add(acc, placed) as tf.Tensor4D);
    });
    const grid = acc!;
    // Back to the input grid: drop the top/left padding, re-grow what was cropped (zero gradient).
    const inner = tf.slice(
      grid,
      [0, geo.top, geo.left, 0],
      [n, Math.min(h, hp - geo.top), Math.min(w, wp - geo.left), c],
    );
    if (inner.shape[1] === h && inner.shape[2] === w) return inner;
    return tf.pad(inner, [
      [0, 0],
      [0, h - inner.shape[1]],
      [0, w - inner.shape[2]],
      [0, 0],
    ]);
  });
}

/**
 * Fast path for non-overlapping windows without padding (pool size = stride, the usual 2×2/2):
 * view the input as [N, oh, ow, C, kh·kw] windows, take the first argmax of each, and write dy
 * there through a one-hot mask.
 */
export function maxPoolGradDisjoint(
  dy: tf.Tensor4D,
  input: tf.Tensor4D,
  kh: number,
  kw: number,
): tf.Tensor4D {
  return tf.tidy(() => {
    const [n, h, w, c] = input.shape;
    const oh = dy.shape[1];
    const ow = dy.shape[2];
    const used =
      oh * kh === h && ow * kw === w
        ? input
        : tf.slice(input, [0, 0, 0, 0], [n, oh * kh, ow * kw, c]);
    const windows = tf.transpose(tf.reshape(used, [n, oh, kh, ow, kw, c]), [0, 1, 3, 5, 2, 4]); // [N, oh, ow, C, kh, kw]
    const first = tf.argMax(tf.reshape(windows, [n, oh, ow, c, kh * kw]), -1);
    const routed = tf.mul(tf.oneHot(first, kh * kw), tf.expandDims(dy, -1)); // [N, oh, ow, C, kh·kw]
    const back = tf.reshape(
      tf.transpose(tf.reshape(routed, [n, oh, ow, c, kh, kw]), [0, 1, 4, 2, 5, 3]),
      [n, oh * kh, ow * kw, c],
    );
    if (back.shape[1] === h && back.shape[2] === w) return back as tf.Tensor4D;
    return tf.pad(back, [
      [0, 0],
      [0, h - oh * kh],
      [0, w - ow * kw],
      [0, 0],
    ]) as tf.Tensor4D;
  });
}
