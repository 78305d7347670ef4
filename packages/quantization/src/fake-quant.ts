import {
  InvalidArgumentError,
  channelLayout,
  decodeFromGrid,
  encodeOnGrid,
  roundHalfAwayFromZero,
} from '@collabopt/core';
import { nudgeRange, type QuantParams } from './quant-params';

/**
 * Forward math of fake quantization on typed arrays (the reference the TF.js transforms and the
 * simulation are tested against).
 */

/**
 * `fake_quant_with_min_max_vars` forward exactly as TensorFlow's kernel: nudge the range, clamp,
 * y = floor((x_c − nudgedMin)/scale + 0.5)·scale + nudgedMin.
 */
export function fakeQuantWithMinMax(
  x: ArrayLike<number>,
  min: number,
  max: number,
  bits = 8,
  narrowRange = false,
): Float32Array {
  const n = nudgeRange(min, max, bits, narrowRange);
  const invScale = Math.fround((n.qmax - n.qmin) / Math.fround(max - min));
  const out = new Float32Array(x.length);
  for (let i = 0; i < x.length; i++) {
    const v = x[i]!;
    const c = v < n.nudgedMin ? n.nudgedMin : v > n.nudgedMax ? n.nudgedMax : v;
    out[i] = Math.floor((c - n.nudgedMin) * invScale + 0.5) * n.scale + n.nudgedMin;
  }
  return out;
}

/**
 * Straight-through gradient of fake quantization with clipping: 1 where the input lies inside the
 * nudged range (inclusive), 0 outside.
 */
export function fakeQuantGradientMask(
  x: ArrayLike<number>,
  min: number,
  max: number,
  bits = 8,
  narrowRange = false,
): Float32Array {
  const n = nudgeRange(min, max, bits, narrowRange);
  const out = new Float32Array(x.length);
  for (let i = 0; i < x.length; i++) out[i] = x[i]! >= n.nudgedMin && x[i]! <= n.nudgedMax ? 1 : 0;
  return out;
}

/**
 * Quantize-dequantize with signed parameters, as a TFLite QUANTIZE followed by DEQUANTIZE:
 * y = (clamp(round(x/s) + zp, qmin, qmax) − zp)·s. This is the grid the exported file uses.
 */
export function quantizeDequantize(
  x: ArrayLike<number>,
  p: QuantParams,
  out = new Float32Array(x.length),
): Float32Array {
  for (let i = 0; i < x.length; i++) out[i] = quantizeDequantizeValue(x[i]!, p);
  return out;
}

/** Per-channel quantize-dequantize along `channelAxes` of `shape` (one parameter set per channel). */
export function quantizeDequantizePerChannel(
  x: ArrayLike<number>,
  shape: readonly number[],
  channelAxes: readonly number[],
  params: readonly QuantParams[],
): Float32Array {
  const layout = channelLayout(shape, channelAxes);
  if (params.length !== layout.count) {
    throw new InvalidArgumentError(`${params.length} parameter sets for ${layout.count} channels`);
  }
  const out = new Float32Array(x.length);
  for (let i = 0; i < x.length; i++)
    out[i] = quantizeDequantizeValue(x[i]!, params[layout.channelOf(i)]!);
  return out;
}

/** One value through QUANTIZE (std::round, as TFLite) and DEQUANTIZE, on core's grid. */
function quantizeDequantizeValue(x: number, p: QuantParams): number {
  const q = encodeOnGrid(x, p.scale, p.zeroPoint, p.qmin, p.qmax, roundHalfAwayFromZero);
  return decodeFromGrid(q, p.scale, p.zeroPoint);
}
