import type { QuantParams } from './quant-params';
import { InvalidArgumentError } from '@collabopt/core';
import {
  INT32_MAX,
  INT32_MIN,
  quantizeMultiplier,
  saturatingRoundingDoublingHighMul,
} from './multiplier';

/** Held locally: a global `Math.round` per element is 20–30× slower inside jest's VM context. */
const round = Math.round;

/**
 * TFLite's requantization of a layer whose filter is stored as INT4 (TF 2.21's interpreter runs
 * CONV_2D, DEPTHWISE_CONV_2D and FULLY_CONNECTED with INT4 filters through its reference integer
 * kernels): the int32 accumulator (bias included) is scaled by the channel's multiplier
 * M_c = input scale · filter scale_c / output scale (double) with gemmlowp's *double* rounding,
 * `MultiplyByQuantizedMultiplier` = RoundingDivideByPOT(SaturatingRoundingDoublingHighMul(acc, q), −shift),
 * while the optimized int8 kernels round once (what a float fake-quant reproduces). The two
 * disagree by one code when acc · M lies just below a half (acc = 31, M = 1/64: 0.484 → 1, not 0);
 * measured on TF 2.21: 3,200 of 3,200 outputs of an INT4 CONV_2D match this rule, 3,142 the
 * single rounding.
 *
 * `values` are the layer's float outputs (channels last, `channels` per position; after the fused
 * ReLU/ReLU6, which only clamps) on the grid input scale · filter scale; returns them requantized
 * to `out` and dequantized.
 */
export function requantizeInt4Layer(
  values: Float32Array,
  channels: number,
  inputScale: number,
  filterScales: ArrayLike<number>,
  out: QuantParams,
): Float32Array {
  const perChannel = filterScales.length > 1;
  const accScale = Float64Array.from(
    { length: perChannel ? channels : 1 },
    (_, c) => Math.fround(inputScale) * Math.fround(filterScales[perChannel ? c : 0]!),
  );
  const multipliers = Array.from(accScale, (s) => quantizeMultiplier(s / Math.fround(out.scale)));
  // MultiplyByQuantizedMultiplier per element, its per-channel parts hoisted out of the loop (the
  // checked scalar version costs ~2 µs per element: seconds per batch of a conv layer's outputs)
  const left = multipliers.map((m) => Math.max(m.shift, 0));
  const right = multipliers.map((m) => Math.max(-m.shift, 0));
  const masks = right.map((r) => (r === 31 ? 0x7fffffff : (1 << r) - 1));
  const result = new Float32Array(values.length);
  const { zeroPoint, qmin, qmax, scale } = out;
  for (let i = 0; i < values.length; i++) {
    const c = perChannel ? i % channels : 0;
    const acc = round(values[i]! / accScale[c]!);
    if (!(acc >= INT32_MIN && acc <= INT32_MAX))
      throw new InvalidArgumentError(
        `int4 layer accumulator ${acc} at output ${i} is outside int32 (value ${values[i]})`,
      );
    const high = saturatingRoundingDoublingHighMul(
      left[c] === 0 ? acc : acc << left[c]!,
      multipliers[c]!.multiplier,
    );
    // RoundingDivideByPOT(high, right): arithmetic shift, ties away from zero
    const mask = masks[c]!;
    const threshold = (mask >> 1) + (high < 0 ? 1 : 0);
    const code = (high >> right[c]!) + ((high & mask) > threshold ? 1 : 0) + zeroPoint;
    const clamped = code < qmin ? qmin : code > qmax ? qmax : code;
    result[i] = (clamped - zeroPoint) * scale;
  }
  return result;
}
