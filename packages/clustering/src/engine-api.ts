/**
 * The one place this package reaches the engine: its TF.js instance and the training-hook
 * contract. TEMPORARY until the engine exports them from its index: tfjs-core directly (the
 * engine's own copy) and the contract types from the engine's declaration file.
 */
export * as tf from '@tensorflow/tfjs-core';
export type { StepInfo, WeightTarget, WeightTransform, WeightTransformInstance } from '@collabopt/engine/dist/transforms';
