import { InvalidArgumentError } from '@collabopt/core';

/**
 * A weight-transform stage. Built in: 'mask' (pruning), 'codebook' (clustering), 'quantize'
 * (fake-quant); a plugin adds its own with `registerTransformStage`.
 */
export type TransformStage = 'mask' | 'codebook' | 'quantize' | (string & {});

/** Where a new stage goes: before or after an existing one (default: last). */
export interface StagePlacement {
  readonly before?: TransformStage;
  readonly after?: TransformStage;
}

/**
 * The order weight transforms stack in: each weight's effective value is the raw variable passed
 * through the stages first to last, and stages strip in the same order.
 */
export class TransformStageOrder {
  private readonly stages: TransformStage[] = ['mask', 'codebook', 'quantize'];

  /** Add `stage` (idempotent for a stage already known, wherever it is). */
  register(stage: TransformStage, placement: StagePlacement = {}): void {
    if (this.stages.includes(stage)) return;
    if (placement.before !== undefined && placement.after !== undefined) {
      throw new InvalidArgumentError(
        `transform stage "${stage}": give either before or after, not both`,
        { field: stage },
      );
    }
    const anchor = placement.before ?? placement.after;
    if (anchor === undefined) {
      this.stages.push(stage);
      return;
    }
    const at = this.rank(anchor);
    this.stages.splice(placement.before !== undefined ? at : at + 1, 0, stage);
  }

  /** Position of `stage` (lower runs first). */
  rank(stage: TransformStage): number {
    const at = this.stages.indexOf(stage);
    if (at < 0) {
      throw new InvalidArgumentError(
        `unknown weight-transform stage "${stage}" (known: ${this.stages.join(', ')}); register it with registerTransformStage`,
        { field: stage },
      );
    }
    return at;
  }

  list(): readonly TransformStage[] {
    return [...this.stages];
  }

  /** `transforms` in stage order (stable for transforms of one stage). */
  sort<T extends { readonly stage: TransformStage }>(transforms: readonly T[]): T[] {
    return [...transforms].sort((a, b) => this.rank(a.stage) - this.rank(b.stage));
  }
}

/** The process-wide stage order the trainer uses. */
export const transformStages = new TransformStageOrder();

/** Add a weight-transform stage to the trainer's stage order (e.g. `{ before: 'quantize' }`). */
export function registerTransformStage(
  stage: TransformStage,
  placement: StagePlacement = {},
): void {
  transformStages.register(stage, placement);
}
