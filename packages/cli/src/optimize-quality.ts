import type { Graph } from '@collabopt/core';
import {
  describeEvaluation,
  type DataSource,
  type Engine,
  type EvaluateResult,
} from '@collabopt/engine';
import { simulationTransform } from '@collabopt/quantization';
import type { AgreementFigures, AgreementReport } from '@collabopt/report';

/** What optimize's agreement figures are measured against. */
const REFERENCE = 'input model (float, before the pipeline)';

/** `optimize`'s figures without labels: agreement with the float model before the pipeline. */
export type OptimizeAgreement = AgreementReport;

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
 * Agreement of `optimized` with `input` (the teacher, the float reference) on `test`: the float
 * IR, and for an int8 result also the int8 simulation. The input is not measured against itself
 * (it would agree 100 %, at infinite SQNR): it is the reference each line names. `printed` holds
 * one line per figure for the command's table.
 */
export async function measureAgreement(
  engine: Engine,
  input: Graph,
  optimized: Graph,
  test: DataSource,
  signal?: AbortSignal,
): Promise<{ agreement: OptimizeAgreement; printed: string[] }> {
  const options = { teacher: input, ...(signal ? { signal } : {}) };
  const after = await engine.evaluate(optimized, test, options);
  const int8 = isQuantized(optimized)
    ? await engine.evaluate(optimized, test, {
        ...options,
        activationTransforms: [simulationTransform(optimized)],
      })
    : undefined;
  const on = `${test.count} held-out samples of ${test.name}`;
  const printed = [
    `agreement with the input model (${on}): after, float IR: ${describeEvaluation(after)}`,
    ...(int8
      ? [
          `agreement with the input model (${on}): after, int8 simulation: ${describeEvaluation(int8)}`,
        ]
      : []),
  ];
  return {
    agreement: {
      reference: REFERENCE,
      samples: test.count,
      after: figuresOf(after),
      ...(int8 ? { afterInt8: figuresOf(int8) } : {}),
    },
    printed,
  };
}
