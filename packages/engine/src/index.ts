export { tf } from './tf';
export {
  BACKEND_NAMES,
  chooseBackend,
  activateBackend,
  describeBackend,
  reportBackendOnce,
  type BackendName,
  type BackendChoice,
  type BackendOptions,
} from './backend';
export {
  MAX_WASM_THREADS,
  WASM_THREADS_ENV,
  automaticWasmThreads,
  measureBusyCores,
  resolveWasmThreads,
  wasmThreadsStatus,
  type WasmThreadsRequest,
  type WasmThreadsStatus,
} from './wasm-threads';
export {
  Engine,
  createEngine,
  crossEntropyPerSample,
  type EngineOptions,
  type PredictOptions,
  type EvaluateOptions,
  type EvaluateResult,
  type ClassifierEvaluation,
  type OutputAgreement,
  type HeadlineMetric,
  type FitOptions,
  type FitResult,
  type FitCallbacks,
  type EpochLog,
  type TransformOptions,
} from './engine';
export {
  softmaxCrossEntropyWithTargets,
  sigmoidCrossEntropyFromLogits,
  binaryCrossEntropyFromProbabilities,
  meanSquaredError,
  distillationKl,
  logProbabilities,
  meanCrossEntropy,
  PROBABILITY_EPSILON,
} from './loss';
export {
  LABEL_LOSSES,
  outputHeads,
  chooseLabelLoss,
  resolveTrainingLoss,
  type LabelLoss,
  type OutputHead,
  type TrainingLossOptions,
  type ResolvedTrainingLoss,
} from './training-loss';
export {
  TRAINING_LOSS_OPTIONS,
  trainingLossOf,
  type TrainingLossPassOptions,
} from './training-loss-options';
export { TrainingObjective, type BatchLabels } from './training-objective';
export { argmaxRows, OutputAgreementAccumulator, type OutputAgreementValues } from './metrics';
export { yieldToEventLoop } from './yield-to-event-loop';
export { describeEvaluation, evaluationToJson } from './evaluation-summary';
export { CompiledGraph, paramKey, type RunOptions } from './compile';
export { KernelRegistry, type KernelContext, type OpKernel } from './kernel-registry';
export {
  builtinKernels,
  avgPoolExcludingPadding,
  conv2dNhwc,
  depthwiseNhwc,
  dilateKernel,
} from './builtin-kernels';
export { activate, softmaxAlong } from './activation';
export { getEngine, getDataset, getDataSource, type DatasetRole } from './context';
export {
  createDataset,
  checkDataset,
  subset,
  take,
  shuffleDataset,
  representativeSubset,
  normalizeDataset,
  datasetMoments,
  batches,
  type Dataset,
  type Batch,
} from './data/dataset';
export { parseIdx, readIdxFile, type IdxArray } from './data/idx';
export { DataError, type DataErrorCode } from './data/data-error';
export {
  IMAGE_EXTENSIONS,
  classFolderNames,
  imageFolderLayout,
  isImageFileName,
  type FolderEntry,
  type ImageFolderLayout,
} from './data/image-folder-layout';
export {
  imageListSource,
  imageSampleShape,
  type ImageDecoder,
  type ImageList,
} from './data/image-list-source';
export {
  isDataSource,
  asDataSource,
  calibrationSample,
  dataSourceFromDataset,
  dataSourceView,
  splitDataSource,
  readBatches,
  type DataSource,
  type LabelInfo,
  type SampleBatch,
  type SplitOptions,
} from './data/data-source';
export {
  IDENTITY_PREPROCESSING,
  DEFAULT_IMAGE_SCALE,
  RESIZE_MODES,
  parsePreprocessing,
  checkPreprocessing,
  applyPreprocessing,
  preprocessingCoefficients,
  describePreprocessing,
  type Preprocessing,
  type PreprocessingText,
  type ResizeMode,
  type ChannelOrder,
} from './data/preprocessing';
export { detectModelNormalization, type ModelNormalization } from './data/model-normalization';
export { parseNpyHeader, type NpyHeader } from './data/npy';
export type { ArrayDType } from './data/array-dtype';
export { removeTemporaryDataFiles } from './data/stored-array';
export {
  openDataSet,
  BUILTIN_DATA_SETS,
  DATA_SPEC_HELP,
  type BuiltinDataSetName,
  type OpenDataSetOptions,
} from './data/open-data-set';
export {
  loadFashionMnist,
  loadMnistDigits,
  idxImageDataset,
  FASHION_MNIST_DIR,
  type TrainTest,
} from './data/builtin-datasets';
export { referenceCnn, benchmarkCnn } from './reference-cnn';
export { registerWasmGradientKernels, type WasmKernelOptions } from './wasm-kernels';
export {
  transformStages,
  registerTransformStage,
  TransformStageOrder,
  type TransformStage,
  type StagePlacement,
} from './transform-stages';
export {
  type StepInfo,
  type WeightTarget,
  type WeightTransform,
  type WeightTransformInstance,
  type ValueTarget,
  type ActivationTransform,
  type ActivationTransformInstance,
} from './transforms';
