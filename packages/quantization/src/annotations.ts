import type { QuantAnnotation, RangeAnnotation, Value } from '@collabopt/core';
import {
  asymmetricParams,
  representableRange,
  symmetricParams,
  type QuantParams,
} from './quant-params';
import type { ActivationBits } from './activation-groups';
import type { Range } from './range-estimators';

/** Parameters of an activation range in a scheme: int8 asymmetric, or int16 symmetric (zero point 0). */
export function activationParams(range: Range, bits: ActivationBits): QuantParams {
  if (bits === 8) return asymmetricParams(range.min, range.max, 8);
  const p = symmetricParams(Math.max(Math.abs(range.min), Math.abs(range.max)), 16, false);
  return p;
}

/** The `quant` annotation of an activation value (docs/quantization-contract.md). */
export function activationQuantAnnotation(p: QuantParams, bits: ActivationBits): QuantAnnotation {
  const r = representableRange(p);
  return {
    dtype: bits === 8 ? 'int8' : 'int16',
    scale: Float32Array.of(p.scale),
    zeroPoint: Int32Array.of(p.zeroPoint),
    bits,
    narrowRange: false,
    min: r.min,
    max: r.max,
  };
}

/** Signed parameters back from a value's annotation (undefined when it has none or it is not integer). */
export function paramsOfValue(value: Value): QuantParams | undefined {
  const q = value.annotations.quant;
  if (!q || q.dtype === 'float16' || q.scale.length !== 1) return undefined;
  const half = 2 ** (q.bits - 1);
  return {
    scale: q.scale[0]!,
    zeroPoint: q.zeroPoint[0]!,
    qmin: q.narrowRange ? -half + 1 : -half,
    qmax: half - 1,
  };
}

/** Record range and quant on a value. */
export function annotateValue(
  value: Value,
  p: QuantParams,
  bits: ActivationBits,
  range: Range,
  source: string,
): void {
  const rangeAnnotation: RangeAnnotation = {
    min: Math.min(range.min, 0),
    max: Math.max(range.max, 0),
    source,
  };
  value.annotations.range = rangeAnnotation;
  value.annotations.quant = activationQuantAnnotation(p, bits);
}
