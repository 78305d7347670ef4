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
export {
  fakeQuantWithMinMax,
  fakeQuantGradientMask,
  quantizeDequantize,
  quantizeDequantizePerChannel,
} from './fake-quant';
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
export {
  foldBatchNorm,
  whyBatchNormNotFoldable,
  scaleCodebookPerChannel,
  BATCH_NORM_FOLD_TARGETS,
  type FoldBatchNormReport,
} from './fold-batch-norm';
export {
  fuseClampActivations,
  CLAMP_ACTIVATIONS,
  type FuseClampActivationsReport,
} from './fuse-clamp-activations';
export {
  activationGroups,
  fixedOutputParams,
  preservesGrid,
  type ActivationBits,
  type ActivationGroup,
} from './activation-groups';
export {
  activationParams,
  activationQuantAnnotation,
  annotateValue,
  paramsOfValue,
} from './annotations';
export {
  quantizeGraphWeights,
  QUANTIZATION_MODES,
  DYNAMIC_MIN_ELEMENTS,
  WEIGHT_BITS,
  checkWeightBits,
  type WeightQuantizationOptions,
  type QuantizationMode,
  type WeightQuantReport,
} from './weight-plan';
export { fakeQuantTensor, fakeQuantWeightTensor } from './tf-fake-quant';
export { calibrate, observingTransform, type CalibrationOptions } from './calibration';
export {
  simulationTransform,
  simulateQuantized,
  type SimulationOptions,
  type Int4Requantization,
} from './simulate';
export { requantizeInt4Layer } from './int4-requantization';
export {
  activationErrors,
  formatErrorReport,
  type ActivationQuantReport,
  type QuantizationErrorReport,
} from './error-report';
export {
  quantizePostTraining,
  ptq,
  PTQ_OPTIONS,
  annotateGroups,
  activationBitsOf,
  PTQ_DEFAULTS,
  type PtqOptions,
  type PtqResult,
} from './ptq';
export {
  qatWeightTransform,
  qatActivationTransform,
  ActivationRange,
  EMA_DECAY,
  EMA_INITIAL_RANGE,
  type QatActivationState,
  type RangeTracking,
} from './qat-transforms';
export {
  quantizationAwareTraining,
  qat,
  runQatPass,
  QAT_DEFAULTS,
  QAT_OPTIONS,
  type QatOptions,
  type QatResult,
  type PreservingStages,
} from './qat';
export { registerQuantizationPasses, quantizationPasses } from './register';
export { foldBatchNormPass } from './fold-batch-norm-pass';
export {
  LAYER_PRECISION_OPTIONS,
  ALL_LAYERS_QUANTIZED,
  parseLayerBits,
  resolveLayerPrecision,
  floatValues,
  applyFloatLayers,
  type LayerBitsRule,
  type LayerPrecision,
  type LayerPrecisionOptions,
} from './layer-precision';
