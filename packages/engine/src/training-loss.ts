import {
  InvalidArgumentError,
  UnsupportedError,
  type Graph,
  type OpRegistry,
  type Value,
} from '@collabopt/core';
import type { LabelInfo } from './data/data-source';

/** The label losses. */
export const LABEL_LOSSES = ['softmaxCrossEntropy', 'sigmoidCrossEntropy', 'mse'] as const;
export type LabelLoss = (typeof LABEL_LOSSES)[number];

/**
 * How a training pass computes its loss; every training pass takes these same options.
 * Without labels the loss is distillation from the float model (the graph before the pipeline).
 */
export interface TrainingLossOptions {
  /**
   * The label loss: `softmaxCrossEntropy` (integer or one-hot labels), `sigmoidCrossEntropy`
   * (multi-label 0/1 targets), `mse`; default `auto`, chosen from the model head and the labels.
   */
  loss?: LabelLoss | 'auto';
  /**
   * Weight of distillation from the float teacher in 0..1 (the label loss gets 1 − distill).
   * Default 0 when the data has labels, 1 when it has none.
   */
  distill?: number;
  /** Softmax temperature of the distillation of classifier outputs (default 1). */
  temperature?: number;
}

/** What an output ends in: a softmax (classifier), a sigmoid (multi-label) or anything else. */
export type OutputHead = 'softmax' | 'sigmoid' | 'linear';

/** The head of each graph output, from its producer's op or fused activation. */
export function outputHeads(graph: Graph, registry: OpRegistry): OutputHead[] {
  return graph.outputs.map((v: Value) => {
    const p = v.producer;
    if (p.op === 'Input') return 'linear';
    if (p.op === 'Softmax') return 'softmax';
    const act = registry.resolveAttrs(p)['activation'];
    return act === 'softmax' ? 'softmax' : act === 'sigmoid' ? 'sigmoid' : 'linear';
  });
}

/** The label loss that fits a head and labels. */
export function chooseLabelLoss(head: OutputHead, labels: LabelInfo): LabelLoss {
  if (labels.kind === 'class') return 'softmaxCrossEntropy';
  return head === 'softmax'
    ? 'softmaxCrossEntropy'
    : head === 'sigmoid'
      ? 'sigmoidCrossEntropy'
      : 'mse';
}

/** The loss of one training run, resolved from the options, the labels and the model. */
export interface ResolvedTrainingLoss {
  /** Undefined when the label weight is 0. */
  readonly labelLoss?: LabelLoss;
  readonly labelWeight: number;
  readonly distillWeight: number;
  readonly temperature: number;
}

/**
 * Resolve the loss: distillation by default without labels, the label loss chosen from the head
 * otherwise. A mixture that cannot be computed (distillation without a teacher, label loss on a
 * multi-output model or on unlabelled data) is a typed error saying what to change.
 */
export function resolveTrainingLoss(
  options: TrainingLossOptions,
  labels: LabelInfo | undefined,
  heads: readonly OutputHead[],
  hasTeacher: boolean,
): ResolvedTrainingLoss {
  const temperature = options.temperature ?? 1;
  if (!(temperature > 0) || !Number.isFinite(temperature))
    throw new InvalidArgumentError(`temperature must be > 0, got ${temperature}`, {
      field: 'temperature',
    });
  const distill = options.distill ?? (labels === undefined ? 1 : 0);
  if (!(distill >= 0 && distill <= 1))
    throw new InvalidArgumentError(`distill must be in 0..1, got ${distill}`, { field: 'distill' });
  if (options.loss !== undefined && options.loss !== 'auto' && !LABEL_LOSSES.includes(options.loss))
    throw new InvalidArgumentError(
      `loss must be auto or one of ${LABEL_LOSSES.join(', ')}, got "${String(options.loss)}"`,
      { field: 'loss' },
    );
  if (distill > 0 && !hasTeacher)
    throw new InvalidArgumentError(
      labels === undefined
        ? 'the data has no labels, so training distils from the float model, but no teacher graph was given'
        : `distill=${distill} needs the float model as teacher, but none was given`,
      { field: 'distill' },
    );
  if (distill === 1) return { labelWeight: 0, distillWeight: 1, temperature };
  if (labels === undefined)
    throw new InvalidArgumentError(
      `the data has no labels: a label loss (distill=${distill}) cannot be computed; use distill=1`,
      { field: 'distill' },
    );
  if (heads.length !== 1)
    throw new UnsupportedError(
      `label losses need a model with one output, this one has ${heads.length}; train it by distillation (distill=1)`,
      { field: 'loss' },
    );
  const labelLoss =
    options.loss === undefined || options.loss === 'auto'
      ? chooseLabelLoss(heads[0]!, labels)
      : options.loss;
  if (labels.kind === 'class' && labelLoss !== 'softmaxCrossEntropy')
    throw new InvalidArgumentError(
      `loss ${labelLoss} needs dense targets, the labels are class ids; use softmaxCrossEntropy`,
      { field: 'loss' },
    );
  return { labelLoss, labelWeight: 1 - distill, distillWeight: distill, temperature };
}
