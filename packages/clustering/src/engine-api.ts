/**
 * The one place this package reaches the engine: its TF.js instance, the training-hook contract,
 * and the engine/dataset accessors of the pass context.
 */
export {
  tf,
  getDataset,
  getDataSource,
  getEngine,
  TRAINING_LOSS_OPTIONS,
  trainingLossOf,
  type Dataset,
  type StepInfo,
  type WeightTarget,
  type WeightTransform,
  type WeightTransformInstance,
} from '@collabopt/engine';
