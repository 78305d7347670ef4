// Errors
export {
  CollaboptError,
  GraphError,
  ShapeError,
  UnknownOpError,
  AttributeError,
  ContractViolationError,
  PipelineError,
  FormatError,
  UnsupportedError,
  InvalidArgumentError,
  BudgetExceededError,
  CancelledError,
  isCollaboptError,
  type ErrorLocation,
} from './errors';

// Tensors
export {
  DTYPES,
  DTYPE_BYTES,
  allocate,
  sizeOf,
  stridesOf,
  tensor,
  floatTensor,
  cloneTensor,
  tensorBytes,
  byteSize,
  shapesEqual,
  formatShape,
  transposeTensor,
  reshapeTensor,
  type DType,
  type Tensor,
  type FloatTensor,
  type TensorData,
  type TypedArrayOf,
} from './tensor';
export {
  float32ToFloat16Bits,
  float16BitsToFloat32,
  toFloat16Array,
  fromFloat16Array,
} from './float16';
export { channelLayout, channelIndices, channelMap, type ChannelLayout } from './channels';
export { createRng, shuffledIndices, type Rng } from './random';

// Graph IR
export {
  Graph,
  Node,
  Value,
  type AttrValue,
  type Attributes,
  type Weight,
  type NodeSpec,
  type OutputSpec,
} from './graph';
export { GraphBuilder, glorotUniform } from './graph-builder';
export {
  OpRegistry,
  FIXED_WEIGHT,
  attrInt,
  attrFloat,
  attrBool,
  attrString,
  attrInts,
  attrPairs,
  shapeFail,
  type OpDef,
  type AttrSpec,
  type AttrKind,
  type WeightSlot,
  type WeightRole,
  type WeightCapabilities,
  type OpQuantization,
  type ShapeContext,
  type OutputInfo,
} from './op-registry';
export { createOpRegistry, defaultOpRegistry } from './registry-default';
export {
  BUILTIN_OPS,
  registerBuiltinOps,
  ACTIVATIONS,
  ACTIVATION_DEFAULTS,
  applyActivation,
  isActivationKind,
  convOutputLength,
  deconvOutputLength,
  samePadding,
  broadcastShapes,
  UNKNOWN_DIM,
  kernelCapabilities,
  biasSlot,
  FUSABLE_ACTIVATIONS,
  SHARES_INPUT_PARAMS,
  type ActivationKind,
  type Padding,
} from './ops';
export { inferShapes, inferNode } from './shape-inference';
export { verifyGraph, type VerifyOptions } from './verifier';

// Annotations
export type {
  AnnotationKind,
  WeightAnnotationKind,
  ValueAnnotationKind,
  MaskAnnotation,
  CodebookAnnotation,
  QuantAnnotation,
  QuantDType,
  RangeAnnotation,
  WeightAnnotations,
  ValueAnnotations,
} from './annotations/types';
export {
  checkMask,
  checkCodebook,
  checkWeightQuant,
  checkRange,
  checkQuantParams,
  quantRange,
  type ContractCheck,
} from './annotations/checks';
export {
  checkWeightContract,
  checkValueContract,
  WEIGHT_ANNOTATION_KINDS,
  VALUE_ANNOTATION_KINDS,
  ANNOTATION_MEANING,
} from './annotations/contracts';

// Passes
export type { Pass, PassContext, PassResult } from './passes/pass';
export { AnalysisCache } from './passes/analysis-cache';
export { PassManager, type PassManagerOptions, type PipelineResult } from './passes/pass-manager';
export { PassRegistry, defaultPassRegistry } from './passes/pass-registry';
export {
  definePass,
  type PassDeclaration,
  type PassDefinition,
  type PassEntry,
  type ConfiguredPass,
  type CreateArguments,
} from './passes/define-pass';
export { sequence, isPassSequence, type PassSequence } from './passes/sequence';
export {
  defineOptions,
  type OptionsOf,
  type OptionsInput,
  type OptionValueOf,
} from './passes/option-types';
export { parsePipeline, type PipelineStep } from './passes/pipeline-parser';
export {
  resolveOptions,
  type OptionSchema,
  type OptionSpec,
  type OptionKind,
  type OptionValue,
  type RawOptions,
} from './passes/options';
export { StatisticsInstrument, type Instrument, type PassRecord } from './passes/instrument';

// Quantization modes
export {
  QUANTIZATION_MODES,
  MODEL_MODES,
  isQuantizationMode,
  isFullInteger,
  graphQuantizationMode,
  graphFloatLayers,
  type QuantizationMode,
  type ModelMode,
} from './quantization-modes';

// The quantization grid
export {
  roundHalfToEven,
  roundHalfAwayFromZero,
  encodeOnGrid,
  decodeFromGrid,
  encodeTensor,
  decodeTensor,
  snapTensorToGrid,
  gridOf,
  type TensorGrid,
  type Rounding,
} from './quant-grid';

// 4-bit packing (TFLite INT4, ONNX INT4/UINT4)
export { packInt4, unpackInt4, unpackUint4 } from './int4-packing';

// Formats
export {
  FormatRegistry,
  defaultFormatRegistry,
  type FormatDefinition,
  type ModelSource,
  type ModelFile,
  type ByteRange,
  type ReadOptions,
  type WriteOptions,
} from './formats/format-registry';
export type { FormatRequirements, FormatTarget } from './formats/format-requirements';
export {
  readModel,
  writeModel,
  fileSource,
  writeFilesAtomically,
  checkOutputPlan,
  outputFormat,
  SOURCE_FILES_KEY,
  SOURCE_IDENTITIES_KEY,
  READ_WARNINGS_KEY,
  DEFAULT_MAX_FILE_BYTES,
  type ReadModelOptions,
  type WriteModelOptions,
  type OutputPlanOptions,
} from './formats/model-io';

// I/O (files, compression, hashing) behind one interface; Node and in-memory implementations
export {
  sameFile,
  isInside,
  type IoHost,
  type FileIdentity,
  type ReadLimits,
  type ReadResult,
  type WriteFilesOptions,
} from './io/io-host';
export { getIoHost, setIoHost } from './io/current-host';
export { MemoryIoHost } from './io/memory-io';

// Statistics, reporting, logging, progress
export {
  weightStatistics,
  graphStatistics,
  countUnique,
  countNonZeros,
  deflatedSize,
  type WeightStatistics,
  type GraphStatistics,
  type GraphWeightStatistics,
} from './statistics';
export { paretoOptimal, type TradeOffPoint } from './pareto';
export {
  summarize,
  formatSummary,
  formatTable,
  type GraphSummary,
  type LayerSummary,
} from './summarize';
export {
  createConsoleLogger,
  MemoryLogger,
  silentLogger,
  type Logger,
  type LogLevel,
  type LogRecord,
} from './logger';
export {
  createStreamProgress,
  prefixedProgress,
  silentProgress,
  throwIfCancelled,
  type ProgressReporter,
  type ProgressTask,
  type ProgressInfo,
} from './progress';
export {
  checkLayerSelection,
  compileLayerSelection,
  isEmptyLayerSelection,
  layerPattern,
  type CompiledLayerSelection,
  type LayerPattern,
  type LayerSelection,
} from './layer-selection';
