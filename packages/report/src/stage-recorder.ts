import type { Graph, Instrument, Pass, PassResult } from '@collabopt/core';
import type { DensityStageInput } from './density';
import type { ActivationSqnr, WeightSqnr } from './layer-table';

function isRecord(x: unknown): x is Record<string, unknown> {
  return typeof x === 'object' && x !== null;
}

/**
 * The SQNR figures a pass reports (the `ptq` pass reports `weights: {node, slot, sqnrDb}[]` and
 * `activations: {value, sqnrDb}[]`), read structurally; entries of any other shape are skipped.
 */
export function sqnrOfPassReport(report: Readonly<Record<string, unknown>> | undefined): {
  weightSqnr: WeightSqnr[];
  activationSqnr: ActivationSqnr[];
} {
  const list = (x: unknown): Record<string, unknown>[] =>
    Array.isArray(x) ? x.filter(isRecord) : [];
  return {
    weightSqnr: list(report?.['weights'])
      .filter(
        (w) =>
          typeof w['node'] === 'string' &&
          typeof w['slot'] === 'string' &&
          typeof w['sqnrDb'] === 'number',
      )
      .map((w) => ({
        node: w['node'] as string,
        slot: w['slot'] as string,
        sqnrDb: w['sqnrDb'] as number,
      })),
    activationSqnr: list(report?.['activations'])
      .filter((a) => typeof a['value'] === 'string' && typeof a['sqnrDb'] === 'number')
      .map((a) => ({ value: a['value'] as string, sqnrDb: a['sqnrDb'] as number })),
  };
}

/**
 * A pass-manager instrument that keeps a copy of the graph after every pass (the stages of the
 * density figure) and the SQNR figures the passes report (for the per-layer table).
 */
export class StageRecorder implements Instrument {
  readonly name = 'report-stages';
  readonly stages: DensityStageInput[] = [];
  readonly weightSqnr: WeightSqnr[] = [];
  readonly activationSqnr: ActivationSqnr[] = [];

  /** Starts with the input graph as the first stage (copied). */
  constructor(input?: { readonly label: string; readonly graph: Graph }) {
    if (input) this.stages.push({ id: 'input', label: input.label, graph: input.graph.clone() });
  }

  afterPass(pass: Pass, graph: Graph, result: PassResult): void {
    this.stages.push({
      id: `${this.stages.length}-${pass.name}`,
      label: pass.name,
      graph: graph.clone(),
    });
    const sqnr = sqnrOfPassReport(result.report);
    this.weightSqnr.push(...sqnr.weightSqnr);
    this.activationSqnr.push(...sqnr.activationSqnr);
  }
}
