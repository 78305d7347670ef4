/**
 * Pure pixel arithmetic of in-browser image decoding: where a decoded image is drawn to reach
 * the model's input size under each resize mode (the engine's `stretch`, `crop`, `pad`, `none`),
 * and canvas RGBA bytes as the model's 1 (grayscale) or 3 (RGB) channels.
 */
import type { ResizeMode } from '@collabopt/engine';

/** `drawImage(img, sx, sy, sw, sh, dx, dy, dw, dh)` arguments. */
export interface DrawRects {
  readonly sx: number;
  readonly sy: number;
  readonly sw: number;
  readonly sh: number;
  readonly dx: number;
  readonly dy: number;
  readonly dw: number;
  readonly dh: number;
}

/**
 * Source and destination rectangles: `stretch` (and `none`, whose size the caller checked) maps
 * the whole image onto the whole target; `crop` scales to cover the target and keeps the centre;
 * `pad` scales to fit inside and centres it on black.
 */
export function drawRects(
  mode: ResizeMode,
  width: number,
  height: number,
  targetWidth: number,
  targetHeight: number,
): DrawRects {
  const whole = { sx: 0, sy: 0, sw: width, sh: height };
  if (mode === 'crop') {
    const scale = Math.max(targetWidth / width, targetHeight / height);
    const sw = targetWidth / scale;
    const sh = targetHeight / scale;
    return {
      sx: (width - sw) / 2,
      sy: (height - sh) / 2,
      sw,
      sh,
      dx: 0,
      dy: 0,
      dw: targetWidth,
      dh: targetHeight,
    };
  }
  if (mode === 'pad') {
    const scale = Math.min(targetWidth / width, targetHeight / height);
    const dw = width * scale;
    const dh = height * scale;
    return { ...whole, dx: (targetWidth - dw) / 2, dy: (targetHeight - dh) / 2, dw, dh };
  }
  return { ...whole, dx: 0, dy: 0, dw: targetWidth, dh: targetHeight };
}

/**
 * RGBA canvas bytes as `channels` bytes per pixel: RGB as is; grayscale as the Rec. 709 luma
 * of the sRGB values (what libvips, the engine's decoder under Node, computes), rounded — a gray
 * image (R = G = B) keeps its exact values.
 */
export function pixelsFromRgba(rgba: Uint8ClampedArray, channels: 1 | 3): Uint8Array {
  const n = rgba.length / 4;
  const out = new Uint8Array(n * channels);
  for (let i = 0; i < n; i++) {
    const r = rgba[i * 4]!;
    const g = rgba[i * 4 + 1]!;
    const b = rgba[i * 4 + 2]!;
    if (channels === 3) {
      out[i * 3] = r;
      out[i * 3 + 1] = g;
      out[i * 3 + 2] = b;
    } else out[i] = Math.round(0.2126 * r + 0.7152 * g + 0.0722 * b);
  }
  return out;
}
