/** Naive NHWC reference implementations (test oracles written from the TensorFlow definitions). */
import { samePadding } from '@collabopt/core';

export interface Nhwc {
  n: number;
  h: number;
  w: number;
  c: number;
  data: Float32Array;
}

export function at(t: Nhwc, b: number, i: number, j: number, k: number): number {
  return t.data[((b * t.h + i) * t.w + j) * t.c + k]!;
}

function outLen(input: number, k: number, s: number, d: number, padding: 'same' | 'valid'): number {
  const eff = (k - 1) * d + 1;
  return padding === 'same' ? Math.ceil(input / s) : Math.ceil((input - eff + 1) / s);
}

/** Conv2D (depthwise when `depthwise`), kernel [kh, kw, cin, cout | mult]. */
export function refConv(
  x: Nhwc,
  kernel: Float32Array,
  [kh, kw]: number[],
  cout: number,
  [sh, sw]: number[],
  [dh, dw]: number[],
  padding: 'same' | 'valid',
  depthwise = false,
): Nhwc {
  const oh = outLen(x.h, kh!, sh!, dh!, padding);
  const ow = outLen(x.w, kw!, sw!, dw!, padding);
  const [pt] = padding === 'same' ? samePadding(x.h, kh!, sh!, dh!) : [0];
  const [pl] = padding === 'same' ? samePadding(x.w, kw!, sw!, dw!) : [0];
  const mult = depthwise ? cout / x.c : 0;
  const out = new Float32Array(x.n * oh * ow * cout);
  for (let b = 0; b < x.n; b++)
    for (let i = 0; i < oh; i++)
      for (let j = 0; j < ow; j++)
        for (let o = 0; o < cout; o++) {
          let s = 0;
          for (let a = 0; a < kh!; a++)
            for (let e = 0; e < kw!; e++) {
              const ii = i * sh! + a * dh! - pt!;
              const jj = j * sw! + e * dw! - pl!;
              if (ii < 0 || jj < 0 || ii >= x.h || jj >= x.w) continue;
              if (depthwise) {
                const c = Math.floor(o / mult);
                const m = o % mult;
                s += at(x, b, ii, jj, c) * kernel[((a * kw! + e) * x.c + c) * mult + m]!;
              } else {
                for (let c = 0; c < x.c; c++)
                  s += at(x, b, ii, jj, c) * kernel[((a * kw! + e) * x.c + c) * cout + o]!;
              }
            }
          out[((b * oh + i) * ow + j) * cout + o] = s;
        }
  return { n: x.n, h: oh, w: ow, c: cout, data: out };
}

/** Transposed convolution (scatter form), kernel [kh, kw, filters, cin], Keras output size. */
export function refConvTranspose(
  x: Nhwc,
  kernel: Float32Array,
  [kh, kw]: number[],
  filters: number,
  [sh, sw]: number[],
  padding: 'same' | 'valid',
): Nhwc {
  const oh = padding === 'same' ? x.h * sh! : x.h * sh! + Math.max(kh! - sh!, 0);
  const ow = padding === 'same' ? x.w * sw! : x.w * sw! + Math.max(kw! - sw!, 0);
  // The forward conv this transposes maps [oh, ow] to [x.h, x.w] with the same padding rule.
  const [pt] = padding === 'same' ? samePadding(oh, kh!, sh!) : [0];
  const [pl] = padding === 'same' ? samePadding(ow, kw!, sw!) : [0];
  const out = new Float32Array(x.n * oh * ow * filters);
  for (let b = 0; b < x.n; b++)
    for (let i = 0; i < x.h; i++)
      for (let j = 0; j < x.w; j++)
        for (let c = 0; c < x.c; c++) {
          const v = at(x, b, i, j, c);
          for (let a = 0; a < kh!; a++)
            for (let e = 0; e < kw!; e++) {
              const ii = i * sh! + a - pt!;
              const jj = j * sw! + e - pl!;
              if (ii < 0 || jj < 0 || ii >= oh || jj >= ow) continue;
              for (let f = 0; f < filters; f++)
                out[((b * oh + ii) * ow + jj) * filters + f]! +=
                  v * kernel[((a * kw! + e) * filters + f) * x.c + c]!;
            }
        }
  return { n: x.n, h: oh, w: ow, c: filters, data: out };
}

/** Max/avg pooling with TF semantics (padding excluded). */
export function refPool(
  x: Nhwc,
  [ph, pw]: number[],
  [sh, sw]: number[],
  padding: 'same' | 'valid',
  kind: 'max' | 'avg',
): Nhwc {
  const oh = outLen(x.h, ph!, sh!, 1, padding);
  const ow = outLen(x.w, pw!, sw!, 1, padding);
  const [pt] = padding === 'same' ? samePadding(x.h, ph!, sh!) : [0];
  const [pl] = padding === 'same' ? samePadding(x.w, pw!, sw!) : [0];
  const out = new Float32Array(x.n * oh * ow * x.c);
  for (let b = 0; b < x.n; b++)
    for (let i = 0; i < oh; i++)
      for (let j = 0; j < ow; j++)
        for (let c = 0; c < x.c; c++) {
          let acc = kind === 'max' ? -Infinity : 0;
          let count = 0;
          for (let a = 0; a < ph!; a++)
            for (let e = 0; e < pw!; e++) {
              const ii = i * sh! + a - pt!;
              const jj = j * sw! + e - pl!;
              if (ii < 0 || jj < 0 || ii >= x.h || jj >= x.w) continue;
              const v = at(x, b, ii, jj, c);
              acc = kind === 'max' ? Math.max(acc, v) : acc + v;
              count++;
            }
          out[((b * oh + i) * ow + j) * x.c + c] = kind === 'max' ? acc : acc / count;
        }
  return { n: x.n, h: oh, w: ow, c: x.c, data: out };
}
