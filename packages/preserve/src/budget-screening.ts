import {
  asDataSource,
  dataSourceView,
  readBatches,
  type DataSource,
  type Dataset,
  type Engine,
} from '@collabopt/engine';
import { tensor, type Graph } from '@collabopt/core';
import { simulationTransform } from '@collabopt/quantization';
import type { TreeMetric } from './tree/report';
import { engineEvaluator } from './tree/run-tree';

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

/** Row-wise argmax of a [rows, classes] output. */
function argmaxRows(data: ArrayLike<number>, classes: number): Int32Array {
  const rows = Math.floor(data.length / classes);
  const out = new Int32Array(rows);
  for (let r = 0; r < rows; r++) {
    let best = 0;
    for (let k = 1; k < classes; k++)
      if (data[r * classes + k]! > data[r * classes + best]!) best = k;
    out[r] = best;
  }
  return out;
}

/**
 * The engine's top-1 evaluation on the subset (float IR, or the int8 simulation), paired with the
 * float model's predictions on the same images (computed once): the metric (accuracy with class
 * labels, else agreement) and the share of changed predictions that bounds the drop's sampling
 * error. Models that are not single-output classifiers get the engine's evaluation without that
 * share (the unpaired margin applies).
 */
export function screeningEvaluator(
  engine: Engine,
  subset: DataSource,
  teacher: Graph,
): ScreenedEvaluator {
  const fallback = engineEvaluator(engine, subset, teacher);
  const output = teacher.outputs.length === 1 ? teacher.outputs[0]!.shape : undefined;
  const classes = output && output.length === 2 ? output[1]! : 0;
  let loaded: Promise<{ x: Float32Array; labels?: Int32Array; reference: Int32Array }> | undefined;
  const predictions = async (
    graph: Graph,
    quantized: boolean,
    x: Float32Array,
    signal?: AbortSignal,
  ) => {
    const [out] = await engine.predict(
      graph,
      [tensor('float32', [subset.count, ...subset.sampleShape], x)],
      {
        ...(signal ? { signal } : {}),
        ...(quantized ? { activationTransforms: [simulationTransform(graph)] } : {}),
      },
    );
    return argmaxRows(out!.data as Float32Array, classes);
  };
  const load = async (signal?: AbortSignal) => {
    const per = subset.sampleShape.reduce((a, b) => a * b, 1);
    const x = new Float32Array(subset.count * per);
    const labels = subset.labels?.kind === 'class' ? new Int32Array(subset.count) : undefined;
    let at = 0;
    for await (const b of readBatches(subset, 512)) {
      x.set(b.x, at * per);
      if (labels && b.classes) labels.set(b.classes, at);
      at += b.size;
    }
    const reference = await predictions(teacher, false, x, signal);
    return { x, reference, ...(labels ? { labels } : {}) };
  };
  return async (graph, { quantized, signal }) => {
    if (classes < 2) return fallback(graph, { quantized, ...(signal ? { signal } : {}) });
    loaded ??= load(signal);
    const { x, labels, reference } = await loaded;
    const pred = await predictions(graph, quantized, x, signal);
    let changed = 0;
    let correct = 0;
    for (let i = 0; i < pred.length; i++) {
      if (pred[i] !== reference[i]) changed++;
      if (pred[i] === (labels ? labels[i] : reference[i])) correct++;
    }
    return {
      kind: labels ? 'accuracy' : 'agreement',
      value: correct / pred.length,
      samples: pred.length,
      source: quantized ? 'int8-simulation' : 'float',
      changedFraction: changed / pred.length,
    };
  };
}
