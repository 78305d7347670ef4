import type { Graph } from '@collabopt/core';
import {
  describeEvaluation,
  type DataSource,
  type Engine,
  type EvaluateResult,
  type OutputHead,
} from '@collabopt/engine';
import { simulationTransform } from '@collabopt/quantization';

/** One output's agreement with the input model (JSON-safe: an infinite SQNR is "Infinity"). */
export interface OutputAgreementFigures {
  readonly output: string;
  readonly head: OutputHead;
  readonly top1Agreement?: number;
  readonly sqnrDb: number | 'Infinity';
  readonly maxRelativeError: number;
}

/** How the optimized model agrees with the input model on the held-out data. */
export interface AgreementFigures {
  /** `top1Agreement` for classifier heads, else the lowest SQNR over the outputs (dB). */
  readonly metric: { readonly name: 'top1Agreement' | 'sqnrDb'; readonly value: number };
  readonly outputs: readonly OutputAgreementFigures[];
}

/** `optimize`'s figures without labels: agreement with the float model before the pipeline. */
export interface OptimizeAgreement {
  /** What the output is compared with. */
  readonly reference: 'input model (float, before the pipeline)';
  readonly samples: number;
  /** Before the pipeline the model is its own reference: 100 % top-1, infinite SQNR, error 0. */
  readonly before: AgreementFigures;
  /** The optimized model's float IR. */
  readonly after: AgreementFigures;
  /** The optimized model with its int8 activation grids simulated (quantized output only). */
  readonly afterInt8?: AgreementFigures;
}

/** True when the graph carries integer quantization (its activations must be simulated). */
export function isQuantized(graph: Graph): boolean {
  const q = graph.metadata['quantization'] as { mode?: unknown } | undefined;
  return q?.mode === 'int8' || q?.mode === 'int16x8';
}

function figuresOf(r: EvaluateResult): AgreementFigures {
  const outputs = (r.agreement ?? []).map((a) => ({
    output: a.output,
    head: a.head,
    ...(a.top1Agreement !== undefined ? { top1Agreement: a.top1Agreement } : {}),
    sqnrDb: Number.isFinite(a.sqnrDb) ? a.sqnrDb : ('Infinity' as const),
    maxRelativeError: a.maxRelativeError,
  }));
  const name = r.metric.name === 'top1Agreement' ? 'top1Agreement' : 'sqnrDb';
  return { metric: { name, value: r.metric.value }, outputs };
}

/**
 * Agreement of `optimized` with `input` (the teacher) on `test`: the float IR, and for an int8
 * result also the int8 simulation. `printed` holds one line per figure for the command's table.
 */
export async function measureAgreement(
  engine: Engine,
  input: Graph,
  optimized: Graph,
  test: DataSource,
  signal?: AbortSignal,
): Promise<{ agreement: OptimizeAgreement; printed: string[] }> {
  const options = { teacher: input, ...(signal ? { signal } : {}) };
  const before = await engine.evaluate(input, test, options);
  const after = await engine.evaluate(optimized, test, options);
  const int8 = isQuantized(optimized)
    ? await engine.evaluate(optimized, test, {
        ...options,
        activationTransforms: [simulationTransform(optimized)],
      })
    : undefined;
  const on = `${test.count} held-out samples of ${test.name}`;
  const printed = [
    `agreement with the input model (${on}): before ${describeEvaluation(before)} (it is the reference)`,
    `agreement with the input model (${on}): after, float IR: ${describeEvaluation(after)}`,
    ...(int8
      ? [
          `agreement with the input model (${on}): after, int8 simulation: ${describeEvaluation(int8)}`,
        ]
      : []),
  ];
  return {
    agreement: {
      reference: 'input model (float, before the pipeline)',
      samples: test.count,
      before: figuresOf(before),
      after: figuresOf(after),
      ...(int8 ? { afterInt8: figuresOf(int8) } : {}),
    },
    printed,
  };
}
