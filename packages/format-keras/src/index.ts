export {
  readKerasModel,
  KERAS_METADATA_KEY,
  type ReadKerasOptions,
  type KerasSourceInfo,
} from './read-model';
export {
  writeKerasModel,
  kerasModelFiles,
  DEFAULT_SHARD_BYTES,
  type WriteKerasOptions,
  type KerasArtifacts,
  type KerasModelJson,
} from './write-model';
export {
  kerasFormat,
  registerKerasFormat,
  looksLikeKerasJson,
  shardPrefixFor,
} from './keras-format';
export { DEFAULT_INITIAL_WEIGHT_BUDGET_BYTES } from './topology-reader';
export { KERAS_ERROR_CODES, type KerasErrorCode } from './errors';
export {
  registerKerasLayer,
  knownKerasLayerClasses,
  type KerasLayerReader,
  type KerasLayerContext,
  type LayerConversion,
} from './layer-readers';
export {
  registerKerasLayerWriter,
  type KerasLayerWriter,
  type EmittedLayer,
} from './layer-writers';
export { JsonReader, type JsonObject } from './json';
export type { KerasGeneration, ActivationSpec } from './activations';
export { METADATA_KEY as ANNOTATIONS_METADATA_KEY } from './annotation-metadata';
export type {
  ManifestDType,
  ShardReader,
  WeightSpec,
  WeightQuantization,
  WeightQuantizationSpec,
} from './weights-manifest';
