export {
  keepCount,
  magnitudeMask,
  magnitudeMaskFromMagnitudes,
  magnitudes,
  kthLargest,
  maskSparsity,
  applyMask,
  checkSparsity,
  type MaskResult,
} from './mask';
export { blockMask, poolBlocks, type BlockPooling } from './block-mask';
export { mnMask, mnRows, mnViolations, type MNRows, type MNViolation } from './mn-mask';
export {
  constantSparsity,
  polynomialDecay,
  scheduleFromConfig,
  shouldPruneAt,
  pruningSteps,
  type PruningSchedule,
  type ScheduleConfig,
  type ScheduleDecision,
} from './schedules';
export {
  compilePolicy,
  selectPrunableWeights,
  type PruningPolicy,
  type CompiledPolicy,
  type PrunableWeight,
} from './policy';
export {
  computeMask,
  maskAnnotation,
  checkStructure,
  normalizeStructure,
  structureTarget,
  UNSTRUCTURED,
  type MaskStructure,
} from './structure';
export { applyMasks, type ApplyMasksOptions } from './apply-masks';
export { checkMN, type MNCheck, type MNLayerCheck } from './check-mn';
export {
  pruningReport,
  formatPruningReport,
  type PruningReport,
  type LayerSparsity,
} from './report';
export {
  pruningTransform,
  type PruningTransform,
  type PruningTransformOptions,
  type PruningState,
} from './pruning-transform';
export {
  prune,
  pruningPasses,
  registerPruningPasses,
  PRUNE_OPTIONS,
  structureFromOptions,
  policyFromOptions,
  scheduleFromOptions,
  type PruneOptions,
} from './prune-pass';
