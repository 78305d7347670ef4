import type { MaskAnnotation, Weight } from '@collabopt/core';
import {
  tf,
  type StepInfo,
  type WeightTarget,
  type WeightTransform,
  type WeightTransformInstance,
} from '@collabopt/engine';
import { maskSparsity } from './mask';
import { compilePolicy, type CompiledPolicy, type PruningPolicy } from './policy';
import { constantSparsity, type PruningSchedule } from './schedules';
import {
  checkStructure,
  checkWeightFits,
  computeMask,
  maskAnnotation,
  normalizeStructure,
  UNSTRUCTURED,
  type MaskStructure,
} from './structure';

export interface PruningTransformOptions {
  /** Default: constantSparsity(0.5, 0, -1, 100), TFMOT's default. */
  readonly schedule?: PruningSchedule;
  readonly structure?: MaskStructure;
  /** Which weights to prune (default: every weight the op registry marks prunable). */
  readonly policy?: PruningPolicy | CompiledPolicy;
  /**
   * Weights outside the policy that already carry a `mask` annotation (an earlier pruning pass)
   * keep that mask fixed during training, so their sparsity survives the fine-tuning (default true).
   */
  readonly keepExistingMasks?: boolean;
  /**
   * Last training step of the run, when known. TFMOT updates a mask at the start of a batch, so no
   * update happens for a step that never runs; without this, a schedule step right after the
   * last batch would still recompute the masks written by strip.
   */
  readonly lastStep?: number;
}

/** What happened to one weight during training (for reports and tests). */
export interface PruningState {
  readonly node: string;
  readonly slot: string;
  /** Steps at which the mask was recomputed. */
  readonly updates: readonly number[];
  /** Sparsity the schedule asked for at the last update (0 before any). */
  readonly lastSparsity: number;
  readonly threshold: number;
  readonly mask: Uint8Array;
  /** True for a weight outside the policy whose existing mask is only kept. */
  readonly fixed: boolean;
}

/** The pruning weight transform plus the per-weight states of its current/last training run. */
export interface PruningTransform extends WeightTransform {
  readonly stage: 'mask';
  states(): PruningState[];
}

function isCompiled(p: PruningPolicy | CompiledPolicy): p is CompiledPolicy {
  return typeof (p as CompiledPolicy).allows === 'function';
}

/**
 * Magnitude pruning as a training reparametrization (TFMOT `PruneLowMagnitude`):
 * - forward: w ⊙ mask, with a straight-through gradient — as in TFMOT, where the gradient is taken
 *   w.r.t. the (masked) variable, pruned positions keep receiving gradient and can regrow at the
 *   next mask update;
 * - step semantics: TFMOT's k-th training batch runs with pruning_step = k and first updates the
 *   mask from the current weights when the schedule says so. Here the mask for step k+1 is
 *   computed in `afterStep(k)` (i.e. from the weights after optimizer step k, before batch k+1
 *   runs), and the one for step 1 in `create`. m:n masks are computed once, at step 1;
 * - after every step the raw variable is re-zeroed where the mask is 0 (TFMOT's W ← W·mask);
 * - strip records the `mask` annotation (structure, target sparsity) on the final weight.
 * A weight that already carries a mask annotation starts from that mask instead of all ones.
 */
export function pruningTransform(options: PruningTransformOptions = {}): PruningTransform {
  const schedule = options.schedule ?? constantSparsity(0.5, 0, -1, 100);
  const structure = normalizeStructure(options.structure ?? UNSTRUCTURED);
  checkStructure(structure);
  const policy =
    options.policy === undefined
      ? compilePolicy()
      : isCompiled(options.policy)
        ? options.policy
        : compilePolicy(options.policy);
  const keepExisting = options.keepExistingMasks ?? true;
  const selected = (t: WeightTarget): boolean => policy.allows(t.node, t.slot, t.capabilities);
  const live: PruningInstance[] = [];
  return {
    name: 'prune',
    stage: 'mask',
    appliesTo: (t: WeightTarget) =>
      selected(t) || (keepExisting && t.weight.annotations.mask !== undefined),
    create(target: WeightTarget, raw: tf.Variable): WeightTransformInstance {
      const fixed = !selected(target);
      if (!fixed)
        checkWeightFits(
          target.node,
          target.slot,
          target.weight.tensor.shape,
          structure,
          schedule.finalSparsity,
        );
      const inst = new PruningInstance(
        target,
        raw,
        schedule,
        structure,
        fixed,
        options.lastStep ?? Infinity,
      );
      live.push(inst);
      return inst;
    },
    states: () => live.map((i) => i.state()),
  };
}

class PruningInstance implements WeightTransformInstance {
  private mask: Uint8Array;
  private maskTensor: tf.Tensor;
  private readonly updates: number[] = [];
  private lastSparsity = 0;
  private threshold = 0;
  private readonly maskedForward: (w: tf.Tensor) => tf.Tensor;
  private readonly kept: MaskAnnotation | undefined;

  constructor(
    private readonly target: WeightTarget,
    raw: tf.Variable,
    private readonly schedule: PruningSchedule,
    private readonly structure: MaskStructure,
    private readonly fixed: boolean,
    private readonly lastStep: number,
  ) {
    const existing = target.weight.annotations.mask?.mask;
    this.kept = fixed ? target.weight.annotations.mask : undefined;
    this.mask =
      existing && existing.length === raw.size
        ? Uint8Array.from(existing)
        : new Uint8Array(raw.size).fill(1);
    this.maskTensor = this.uploadMask();
    // straight-through: the value is w ⊙ mask, the gradient reaches every element of w
    this.maskedForward = tf.customGrad((...args: (tf.Tensor | tf.GradSaveFunc)[]) => ({
      value: tf.mul(args[0] as tf.Tensor, this.maskTensor),
      gradFunc: (dy: tf.Tensor) => [dy],
    })) as (w: tf.Tensor) => tf.Tensor;
    this.maybeUpdate(1, raw);
    this.rezero(raw);
  }

  forward(w: tf.Tensor, _info: StepInfo): tf.Tensor {
    return this.maskedForward(w);
  }

  afterStep(raw: tf.Variable, info: StepInfo): void {
    if (this.structure.kind !== 'mn' && info.step + 1 <= this.lastStep)
      this.maybeUpdate(info.step + 1, raw);
    this.rezero(raw);
  }

  afterEpoch(raw: tf.Variable, _info: StepInfo): void {
    this.rezero(raw);
  }

  strip(weight: Weight): void {
    weight.annotations.mask =
      this.kept ?? maskAnnotation(this.mask, this.structure, this.schedule.finalSparsity);
  }

  dispose(): void {
    this.maskTensor.dispose();
  }

  state(): PruningState {
    return {
      node: this.target.node.name,
      slot: this.target.slot,
      updates: [...this.updates],
      lastSparsity: this.structure.kind === 'mn' ? maskSparsity(this.mask) : this.lastSparsity,
      threshold: this.threshold,
      mask: this.mask,
      fixed: this.fixed,
    };
  }

  /** Recompute the mask for `step` from the raw weights when the schedule (or m:n at step 1) says so. */
  private maybeUpdate(step: number, raw: tf.Variable): void {
    if (this.fixed) return;
    const decision = this.schedule.at(step);
    const due = this.structure.kind === 'mn' ? step === 1 : decision.shouldPrune;
    if (!due) return;
    const values = raw.dataSync() as Float32Array;
    const { mask, threshold } = computeMask(
      values,
      raw.shape,
      this.target.capabilities,
      decision.sparsity,
      this.structure,
    );
    this.mask = mask;
    this.threshold = threshold;
    this.lastSparsity = decision.sparsity;
    this.updates.push(step);
    this.maskTensor.dispose();
    this.maskTensor = this.uploadMask();
  }

  private uploadMask(): tf.Tensor {
    return tf.keep(
      tf.tensor(Float32Array.from(this.mask), [...this.target.weight.tensor.shape], 'float32'),
    );
  }

  private rezero(raw: tf.Variable): void {
    // + 0 turns the −0 of negative pruned weights into +0 (exact zeros compress and export cleanly)
    tf.tidy(() => raw.assign(tf.add(tf.mul(raw, this.maskTensor), tf.scalar(0))));
  }
}
