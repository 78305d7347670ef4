export { roundHalfAwayFromZero, roundHalfToEven } from './rounding';
export {
  asymmetricParams,
  symmetricParams,
  signedRange,
  nudgeRange,
  paramsFromNudged,
  representableRange,
  quantizeValue,
  dequantizeValue,
  type QuantParams,
  type NudgedRange,
} from './quant-params';
export {
  INT32_MIN,
  INT32_MAX,
  frexp,
  quantizeMultiplier,
  saturatingRoundingDoublingHighMul,
  roundingDivideByPOT,
  multiplyByQuantizedMultiplier,
  multiplyByQuantizedMultiplierSingleRounding,
  requantize,
  activationRangeQuantized,
  type QuantizedMultiplier,
} from './multiplier';
export { fakeQuantWithMinMax, fakeQuantGradientMask, quantizeDequantize, quantizeDequantizePerChannel } from './fake-quant';
export {
  MinMaxEstimator,
  PercentileEstimator,
  MseEstimator,
  StreamingHistogram,
  createRangeEstimator,
  RANGE_ESTIMATORS,
  type Range,
  type RangeEstimator,
  type RangeEstimatorKind,
  type RangeEstimatorOptions,
} from './range-estimators';
export { sqnrDb, SqnrAccumulator } from './sqnr';
export {
  quantizeSymmetric,
  quantizeWeight,
  quantizeBias,
  minWeightScalesForBias,
  weightQuantAnnotation,
  absMaxPerChannel,
  symmetricScales,
  snapToGrid,
  type QuantizedWeight,
  type QuantizedBias,
  type SymmetricWeightOptions,
  type WeightQuantizationResult,
} from './weight-quantization';
