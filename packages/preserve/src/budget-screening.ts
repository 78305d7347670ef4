import {
  asDataSource,
  dataSourceView,
  type DataSource,
  type Dataset,
  type Engine,
} from '@collabopt/engine';
import type { Graph } from '@collabopt/core';
import { simulationTransform } from '@collabopt/quantization';
import type { TreeMetric } from './tree/report';

/**
 * Screening budget candidates on a subset of the test set (issue #17): a drop measured on n images
 * carries sampling error, so a candidate is only judged on the subset when it is clearly inside or
 * clearly outside the budget; near the boundary it is re-measured on the full set, and the chosen
 * candidate always is (see `searchBudget`).
 */

/** z of the screening margin: ±2 standard errors (≈ 95 % two-sided). */
export const SCREENING_Z = 2;

/** A metric measured on the screening subset, with the share of images whose top-1 prediction changed vs the float model. */
export interface ScreenedMetric extends TreeMetric {
  /** 1 − top-1 agreement with the float model on the same images; undefined when not measured. */
  readonly changedFraction?: number;
}

export type ScreenedEvaluator = (
  graph: Graph,
  options: { quantized: boolean; signal?: AbortSignal },
) => Promise<ScreenedMetric | undefined>;

/** What the subset says about one candidate. */
export interface ScreeningFigures {
  /** Float model's metric on the subset. */
  readonly baseline: number;
  /** Candidate's metric on the subset. */
  readonly metric: number;
  readonly samples: number;
  readonly changedFraction?: number;
}

/**
 * Standard error, in points, of the drop (baseline − metric) × 100 measured on `samples` images.
 * Paired (both models on the same images): only images whose outcome changed move the drop, each by
 * ±1/n; with q their share, Var = (q − d²)/n ≤ q/n (binomial, n = subset size), and an image whose
 * correctness changed has a changed prediction, so q ≤ `changedFraction`. Without it, the unpaired
 * bound √((p₀(1−p₀) + p₁(1−p₁))/n).
 */
export function dropStandardError(f: ScreeningFigures): number {
  const n = f.samples;
  if (!(n > 0)) return Infinity;
  const variance =
    f.changedFraction !== undefined
      ? f.changedFraction / n
      : (f.baseline * (1 - f.baseline) + f.metric * (1 - f.metric)) / n;
  return Math.sqrt(Math.max(variance, 0)) * 100;
}

export type ScreeningVerdict = 'within' | 'over' | 'recheck';

/**
 * The decision rule: with d the subset drop and m = z · SE its margin, `within` when d + m ≤ budget,
 * `over` when d − m > budget, else `recheck` on the full set.
 */
export function screeningVerdict(
  f: ScreeningFigures,
  budget: number,
  z = SCREENING_Z,
): { verdict: ScreeningVerdict; drop: number; margin: number } {
  const drop = (f.baseline - f.metric) * 100;
  const margin = z * dropStandardError(f);
  const eps = 1e-9;
  const verdict: ScreeningVerdict =
    drop + margin <= budget + eps ? 'within' : drop - margin > budget + eps ? 'over' : 'recheck';
  return { verdict, drop, margin };
}

/** `samples` test samples spread evenly over the set (every class region of a sorted set visited). */
export function screeningSubset(
  test: Dataset | DataSource,
  samples: number,
): DataSource | undefined {
  const source = asDataSource(test);
  if (!(samples > 0) || samples >= source.count) return undefined;
  const indices = Array.from({ length: samples }, (_, i) =>
    Math.floor((i * source.count) / samples),
  );
  return dataSourceView(source, indices, `${source.name} (${samples} of ${source.count})`);
}

/**
 * The engine's evaluation on the subset (float IR, or the int8 simulation) with the float model as
 * teacher on the same images: the metric (accuracy with labels, else agreement) and the share of
 * changed predictions that bounds the drop's sampling error.
 */
export function screeningEvaluator(
  engine: Engine,
  subset: DataSource,
  teacher: Graph,
): ScreenedEvaluator {
  return async (graph, { quantized, signal }) => {
    const r = await engine.evaluate(graph, subset, {
      teacher,
      ...(signal ? { signal } : {}),
      ...(quantized ? { activationTransforms: [simulationTransform(graph)] } : {}),
    });
    const agreement = r.agreement?.length === 1 ? r.agreement[0]!.top1Agreement : undefined;
    const value = r.accuracy ?? agreement;
    if (value === undefined) return undefined;
    return {
      kind: r.accuracy !== undefined ? 'accuracy' : 'agreement',
      value,
      samples: r.count,
      source: quantized ? 'int8-simulation' : 'float',
      ...(agreement !== undefined ? { changedFraction: 1 - agreement } : {}),
    };
  };
}
