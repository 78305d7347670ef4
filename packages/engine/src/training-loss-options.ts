import { defineOptions, type OptionsOf } from '@collabopt/core';
import { LABEL_LOSSES, type TrainingLossOptions } from './training-loss';

/**
 * The loss options every training pass takes (prune, cluster, sparsityPreservingCluster, qat,
 * pqat, cqat, pcqat), spread into its option schema: `prune(loss=mse)`, `pqat(distill=0.5)`.
 * Without labels the passes distil from the float model before the pipeline (`ctx.teacher`).
 */
export const TRAINING_LOSS_OPTIONS = defineOptions({
  loss: {
    kind: 'enum',
    description: 'label loss (auto: chosen from the model head and the labels)',
    values: ['auto', ...LABEL_LOSSES],
    default: 'auto',
  },
  distill: {
    kind: 'number',
    description:
      'weight of distillation from the float model in 0..1 (default: 1 without labels, 0 with)',
    optional: true,
    min: 0,
    max: 1,
  },
  temperature: {
    kind: 'number',
    description: 'softmax temperature of the distillation of classifier outputs',
    default: 1,
    min: 0,
    exclusiveMin: true,
  },
});

export type TrainingLossPassOptions = OptionsOf<typeof TRAINING_LOSS_OPTIONS>;

/** The `fit` loss options of a pass's resolved options. */
export function trainingLossOf(o: Partial<TrainingLossPassOptions>): TrainingLossOptions {
  return {
    ...(o.loss !== undefined ? { loss: o.loss } : {}),
    ...(o.distill !== undefined ? { distill: o.distill } : {}),
    ...(o.temperature !== undefined ? { temperature: o.temperature } : {}),
  };
}
