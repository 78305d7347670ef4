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
  type FitOptions,
  type FitResult,
  type FitCallbacks,
  type EpochLog,
  type TransformOptions,
} from './engine';
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
export { getEngine, getDataset, type DatasetRole } from './context';
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
