/**
 * The training hooks optimization plugins contribute ("training is reparametrization").
 *
 * The trainer keeps one raw float `tf.Variable` per IR weight. For every forward pass the
 * effective weight is the raw variable passed through the weight transforms that apply to it,
 * in stage order (built in: mask → codebook → quantize; PQAT = mask + quantize, PCQAT = all three;
 * plugins add stages with `registerTransformStage`). After
 * training the trainer writes each weight's final effective value (training = false) into the IR
 * tensor, then calls every instance's `strip` in stage order so each can record its annotation
 * (mask, codebook, quant) — the contracts the pass manager will check from then on.
 *
 * Activation transforms (QAT fake-quant with moving-average ranges) wrap node outputs the same
 * way and strip into value annotations (`range`, `quant`).
 *
 * All tensors are TF.js tensors of the engine's TF.js instance (`import { tf } from '@collabopt/engine'`).
 */
import type * as tfc from '@tensorflow/tfjs-core';
import type { Graph, Node, Value, Weight, WeightCapabilities } from '@collabopt/core';

import type { TransformStage } from './transform-stages';

/** Where training is when a transform is called. `step` counts optimizer steps from 1. */
export interface StepInfo {
  readonly step: number;
  readonly epoch: number;
  readonly training: boolean;
}

/** A weight a transform may apply to. */
export interface WeightTarget {
  readonly graph: Graph;
  readonly node: Node;
  readonly slot: string;
  readonly weight: Weight;
  /** From the op registry (prunable / clusterable / quantizable, channel axes). */
  readonly capabilities: WeightCapabilities;
}

/** Per-weight state of a weight transform during one training run. */
export interface WeightTransformInstance {
  /**
   * Effective weight from the incoming one (the raw variable, or the previous stage's output).
   * Runs inside the gradient tape: gradients must reach `w` (use tf.customGrad for
   * straight-through estimators) and this instance's own trainable variables.
   */
  forward(w: tfc.Tensor, info: StepInfo): tfc.Tensor;
  /** Extra trainable variables (e.g. cluster centroids), optimized with the weights. */
  trainableVariables?(): tfc.Variable[];
  /** Called after every optimizer step with the raw variable (e.g. re-compute a pruning mask). */
  afterStep?(raw: tfc.Variable, info: StepInfo): void;
  /** Called at the end of every epoch. */
  afterEpoch?(raw: tfc.Variable, info: StepInfo): void;
  /**
   * Record this stage's annotation on `weight`, whose tensor already holds the final effective
   * values (all stages applied, training = false).
   */
  strip(weight: Weight): void;
  dispose(): void;
}

export interface WeightTransform {
  readonly name: string;
  /** Where it stacks (see `transformStages`); an unknown stage is an error when training starts. */
  readonly stage: TransformStage;
  appliesTo(target: WeightTarget): boolean;
  /** Build the per-weight state; `raw` is the weight's raw variable at the start of training. */
  create(target: WeightTarget, raw: tfc.Variable): WeightTransformInstance;
}

/** A value (activation) a transform may wrap. */
export interface ValueTarget {
  readonly graph: Graph;
  readonly value: Value;
  /** The node producing the value. */
  readonly producer: Node;
}

export interface ActivationTransformInstance {
  /** Transformed activation; inside the tape (straight-through gradients via tf.customGrad). */
  forward(x: tfc.Tensor, info: StepInfo): tfc.Tensor;
  /** Record the value annotation (range, quant) after training. */
  strip(value: Value): void;
  dispose(): void;
}

export interface ActivationTransform {
  readonly name: string;
  appliesTo(target: ValueTarget): boolean;
  create(target: ValueTarget): ActivationTransformInstance;
}
