import { InvalidArgumentError } from '@collabopt/core';
import { checkSparsity } from './mask';

/** What a schedule says at one training step (steps count from 1, as TFMOT's pruning_step). */
export interface ScheduleDecision {
  readonly shouldPrune: boolean;
  readonly sparsity: number;
}

/** Serialisable description of a schedule (TFMOT-style class name + config). */
export type ScheduleConfig =
  | {
      readonly kind: 'constant';
      readonly sparsity: number;
      readonly beginStep: number;
      readonly endStep: number;
      readonly frequency: number;
    }
  | {
      readonly kind: 'polynomial';
      readonly initialSparsity: number;
      readonly finalSparsity: number;
      readonly beginStep: number;
      readonly endStep: number;
      readonly power: number;
      readonly frequency: number;
    };

export interface PruningSchedule {
  readonly config: ScheduleConfig;
  /** Sparsity the schedule ends at. */
  readonly finalSparsity: number;
  at(step: number): ScheduleDecision;
}

function checkSteps(
  beginStep: number,
  endStep: number,
  frequency: number,
  allowOpenEnd: boolean,
): void {
  if (!Number.isInteger(beginStep) || beginStep < 0) {
    throw new InvalidArgumentError(`beginStep must be an integer ≥ 0, got ${beginStep}`, {
      field: 'beginStep',
    });
  }
  if (!Number.isInteger(endStep) || (endStep === -1 ? !allowOpenEnd : endStep < beginStep)) {
    throw new InvalidArgumentError(
      allowOpenEnd
        ? `endStep must be -1 (prune until training ends) or an integer ≥ beginStep (${beginStep}), got ${endStep}`
        : `endStep must be an integer ≥ beginStep (${beginStep}) for polynomial decay, got ${endStep}`,
      { field: 'endStep' },
    );
  }
  if (!Number.isInteger(frequency) || frequency < 1) {
    throw new InvalidArgumentError(`frequency must be an integer ≥ 1, got ${frequency}`, {
      field: 'frequency',
    });
  }
}

/** TFMOT `_should_prune_in_step`: begin ≤ step ≤ end (or end < 0) and (step − begin) divisible by frequency. */
export function shouldPruneAt(
  step: number,
  beginStep: number,
  endStep: number,
  frequency: number,
): boolean {
  return (
    step >= beginStep && (endStep < 0 || step <= endStep) && (step - beginStep) % frequency === 0
  );
}

/** TFMOT `ConstantSparsity(target, begin, end=-1, frequency=100)`. */
export function constantSparsity(
  sparsity: number,
  beginStep = 0,
  endStep = -1,
  frequency = 100,
): PruningSchedule {
  checkSparsity(sparsity, 'sparsity');
  checkSteps(beginStep, endStep, frequency, true);
  const s = Math.fround(sparsity);
  return {
    config: { kind: 'constant', sparsity, beginStep, endStep, frequency },
    finalSparsity: s,
    at: (step) => ({
      shouldPrune: shouldPruneAt(step, beginStep, endStep, frequency),
      sparsity: s,
    }),
  };
}

/**
 * TFMOT `PolynomialDecay(initial, final, begin, end, power=3, frequency=100)`:
 * p = clip((step − begin)/(end − begin), 0, 1), sparsity = final + (initial − final)·(1 − p)^power
 * (float32). When end == begin TF divides 0 by 0 at step == begin; here p = 1 from begin on.
 */
export function polynomialDecay(
  initialSparsity: number,
  finalSparsity: number,
  beginStep: number,
  endStep: number,
  power = 3,
  frequency = 100,
): PruningSchedule {
  checkSparsity(initialSparsity, 'initialSparsity');
  checkSparsity(finalSparsity, 'finalSparsity');
  checkSteps(beginStep, endStep, frequency, false);
  if (!Number.isFinite(power))
    throw new InvalidArgumentError(`power must be finite, got ${power}`, { field: 'power' });
  const f32 = Math.fround;
  return {
    config: {
      kind: 'polynomial',
      initialSparsity,
      finalSparsity,
      beginStep,
      endStep,
      power,
      frequency,
    },
    finalSparsity: f32(finalSparsity),
    at: (step) => {
      let p: number;
      if (endStep === beginStep) p = step >= beginStep ? 1 : 0;
      else p = Math.min(1, Math.max(0, f32(f32(step - beginStep) / f32(endStep - beginStep))));
      const decay = f32(Math.pow(f32(1 - p), power));
      const sparsity = f32(
        f32(finalSparsity) + f32(f32(f32(initialSparsity) - f32(finalSparsity)) * decay),
      );
      return { shouldPrune: shouldPruneAt(step, beginStep, endStep, frequency), sparsity };
    },
  };
}

/** Build a schedule from its config (inverse of `schedule.config`). */
export function scheduleFromConfig(config: ScheduleConfig): PruningSchedule {
  return config.kind === 'constant'
    ? constantSparsity(config.sparsity, config.beginStep, config.endStep, config.frequency)
    : polynomialDecay(
        config.initialSparsity,
        config.finalSparsity,
        config.beginStep,
        config.endStep,
        config.power,
        config.frequency,
      );
}

/** Steps in [1, totalSteps] at which the schedule updates masks. */
export function pruningSteps(schedule: PruningSchedule, totalSteps: number): number[] {
  const out: number[] = [];
  for (let s = 1; s <= totalSteps; s++) if (schedule.at(s).shouldPrune) out.push(s);
  return out;
}
