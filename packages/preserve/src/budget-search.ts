import {
  InvalidArgumentError,
  defaultOpRegistry,
  deflatedSize,
  throwIfCancelled,
  type Graph,
  type ModelFile,
} from '@collabopt/core';
import {
  bySensitivity,
  runPipelineCopy,
  runSensitivity,
  type SensitivityOptions,
  type SensitivityReport,
} from './sensitivity';
import type { TreeMetric } from './tree/report';
import { engineEvaluator } from './tree/run-tree';
import { pruneFrequencyFor } from './tree/plan';
import { paretoFront } from './budget-pareto';
import {
  SCREENING_Z,
  screeningEvaluator,
  screeningSubset,
  screeningVerdict,
  type ScreenedEvaluator,
  type ScreeningVerdict,
} from './budget-screening';

/** What the search minimises: the written file's bytes, or its deflated bytes. */
export const BUDGET_OBJECTIVES = ['raw', 'zip'] as const;
export type BudgetObjective = (typeof BUDGET_OBJECTIVES)[number];

/** One float model the search quantizes: the baseline, or a pruned and/or clustered copy. */
export interface BudgetBranch {
  readonly sparsity: number;
  /** Clusters per kernel; undefined: not clustered. */
  readonly clusters?: number;
  /** Per-channel codebooks (only with clusters). */
  readonly perChannel?: boolean;
}

export interface BudgetSearchOptions extends Omit<SensitivityOptions, 'probes' | 'onLayer'> {
  /** Largest allowed drop of the metric vs the float model, in percentage points. */
  readonly budget: number;
  readonly objective?: BudgetObjective;
  /** Serialises a candidate (e.g. int8 TFLite); its files' bytes are the size. */
  readonly writer: (graph: Graph) => Promise<readonly ModelFile[]>;
  /**
   * Wall-clock limit of the search (default 600 s), counted from when the sensitivity report is
   * ready (measuring it is not included): no new candidate starts after it, except the first
   * branch's all-int8 candidate, which is always measured; the best so far wins.
   */
  readonly timeLimitSeconds?: number;
  /** Float models to search, cheapest first (default: baseline, 50 %, 75 % pruned, each also with 16 clusters; 50 % also with per-channel codebooks). */
  readonly branches?: readonly BudgetBranch[];
  /** Fine-tuning epochs of the prune/cluster branches (default 1). */
  readonly epochs?: number;
  /** A sensitivity report to reuse (else int8 and int4 probes are measured first). */
  readonly sensitivity?: SensitivityReport;
  /** Measures the chosen candidate's files in a real runtime; a candidate it puts over budget is dropped. */
  readonly checkFiles?: (files: readonly ModelFile[]) => Promise<TreeMetric | undefined>;
  /**
   * Screen candidates (and measure the sensitivity report) on this many test samples spread over
   * `data.test` instead of all of it. A candidate whose subset drop is within ±`screenZ` standard
   * errors of the budget is re-measured on the full set before the search decides on it, and the
   * chosen one always is: the chosen file's drop on the full set is within the budget. Default: all
   * samples (no screening).
   */
  readonly screenSamples?: number;
  /** The subset's evaluator (default: the engine on `screenSamples` of `data.test`, the float model as teacher). */
  readonly screenEvaluate?: ScreenedEvaluator;
  /** Standard errors of the screening margin (default 2). */
  readonly screenZ?: number;
  readonly onCandidate?: (candidate: BudgetCandidate) => void;
}

/** A candidate's figures on the screening subset and the decision they gave. */
export interface BudgetScreening {
  readonly metric: number;
  /** (subset baseline − metric) × 100. */
  readonly drop: number;
  readonly samples: number;
  /** z · standard error of the subset drop, in points. */
  readonly margin: number;
  readonly verdict: ScreeningVerdict;
}

/** A candidate's figures on the full test set. */
export interface BudgetFullFigures {
  readonly metric: number;
  /** (full baseline − metric) × 100. */
  readonly drop: number;
  readonly samples: number;
}

/** One measured candidate: a branch plus a per-layer quantization plan. */
export interface BudgetCandidate {
  readonly id: string;
  readonly branch: BudgetBranch;
  /** The branch's pipeline (empty for the baseline) and the quantization pipeline. */
  readonly pipeline: string;
  readonly fourBitLayers: readonly string[];
  readonly floatLayers: readonly string[];
  /** The full set's figure when it was measured, else the screening subset's. */
  readonly metric: number;
  /** (baseline − metric) × 100, of the same set as `metric`. */
  readonly drop: number;
  /** Screening figures (only when the search screened on a subset). */
  readonly screen?: BudgetScreening;
  /** Full-set figures: every candidate without screening; with screening, the re-checked ones. */
  readonly full?: BudgetFullFigures;
  readonly bytes: number;
  readonly zipBytes: number;
  /** bytes or zipBytes, by objective. */
  readonly size: number;
  /** Within the budget: on the full set when measured there, else by the screening verdict. */
  readonly withinBudget: boolean;
  /** The real runtime's value, when `checkFiles` measured this candidate. */
  readonly runtimeMetric?: number;
  readonly seconds: number;
}

export interface BudgetSearchResult {
  readonly kind: TreeMetric['kind'];
  /** The float model's metric on the full test set. */
  readonly baseline: number;
  readonly budget: number;
  /** Samples of the screening subset (undefined: every candidate was measured on the full set). */
  readonly screenSamples?: number;
  /** The float model's metric on the screening subset. */
  readonly screenBaseline?: number;
  /** Candidates re-measured on the full set after screening. */
  readonly rechecks: number;
  readonly objective: BudgetObjective;
  readonly candidates: readonly BudgetCandidate[];
  /** Non-dominated candidates (smaller and at least as accurate; on the subset's figures when screening), smallest first. */
  readonly pareto: readonly BudgetCandidate[];
  /** The smallest candidate within the budget (real-runtime checked when `checkFiles` is given). */
  readonly chosen?: BudgetCandidate;
  readonly chosenGraph?: Graph;
  readonly chosenFiles?: readonly ModelFile[];
  readonly sensitivity: SensitivityReport;
  /** Wall time of the whole call, the sensitivity pass included. */
  readonly seconds: number;
  /** Of which the sensitivity pass (0 when a report was given). */
  readonly sensitivitySeconds: number;
  /** The time limit stopped the search before every plan was tried. */
  readonly stoppedByTime: boolean;
}

export const DEFAULT_BUDGET_BRANCHES: readonly BudgetBranch[] = [
  { sparsity: 0 },
  { sparsity: 0.5 },
  { sparsity: 0, clusters: 16 },
  { sparsity: 0.5, clusters: 16 },
  { sparsity: 0.5, clusters: 16, perChannel: true },
  { sparsity: 0.75 },
  { sparsity: 0.75, clusters: 16 },
];

/**
 * The float pipeline of a branch ('' for the baseline); `trainSamples` makes small data sets update
 * the pruning masks often enough (as the tree does).
 */
export function branchPipeline(b: BudgetBranch, epochs: number, trainSamples?: number): string {
  const steps: string[] = [];
  const frequency =
    trainSamples === undefined ? undefined : pruneFrequencyFor(trainSamples, epochs);
  if (b.sparsity > 0)
    steps.push(
      `prune(sparsity=${b.sparsity}, epochs=${epochs}${frequency !== undefined ? `, frequency=${frequency}` : ''})`,
    );
  if (b.clusters !== undefined) {
    const args = `clusters=${b.clusters}, epochs=${epochs}, kmeansIterations=100, learningRate=0.0001${b.perChannel ? ', perChannel=true' : ''}`;
    steps.push(b.sparsity > 0 ? `sparsityPreservingCluster(${args})` : `cluster(${args})`);
  }
  return steps.join(' | ');
}

/** The PTQ pipeline of a per-layer plan. */
export function quantizationPipeline(fourBit: readonly string[], float: readonly string[]): string {
  const args = ['mode=int8'];
  if (float.length > 0) args.push(`exclude=[${float.map((l) => JSON.stringify(l)).join(', ')}]`);
  if (fourBit.length > 0)
    args.push(`layerBits=${JSON.stringify(fourBit.map((l) => `${l}:4`).join(','))}`);
  return `ptq(${args.join(', ')})`;
}

/** A short label of a branch (`pruned 50%, 16 clusters`). */
export function branchLabel(b: BudgetBranch): string {
  const parts = [b.sparsity > 0 ? `pruned ${b.sparsity * 100}%` : 'dense'];
  if (b.clusters !== undefined) parts.push(`${b.clusters} clusters${b.perChannel ? '/ch' : ''}`);
  return parts.join(', ');
}

/**
 * Accuracy-budget search (issue #17 item 5): the smallest int8 file whose drop vs the float model
 * is ≤ `budget` points. For each branch (sparsity, cluster count, per-channel codebooks), cheapest
 * first, the sensitivity report orders the per-layer plans: layers go to 4 bits from the least
 * int4-sensitive one (binary search for the most 4-bit layers within budget), and when even all-int8
 * misses the budget the most int8-sensitive layers stay float, one more at a time. Every candidate
 * is quantized, written and measured (engine int8 simulation); the Pareto front and the choice
 * follow. With `screenSamples`, candidates and the sensitivity pass are measured on a subset of the
 * test set; a subset drop within `screenZ` standard errors of the budget is re-measured on the full
 * set before the search uses it, and the chosen candidate is always re-measured there (the next
 * smallest is tried when it misses), so the chosen file is within the budget on the full set. Time-bounded: no candidate starts more than `timeLimitSeconds` after the sensitivity
 * report is ready (measuring it is not counted; a branch's fine-tuning is not interrupted), and the
 * best candidate so far is returned. The first branch's all-int8 candidate is always measured, so
 * even a tiny limit leaves one candidate to choose (if it is within the budget).
 */
export async function searchBudget(
  baseline: Graph,
  options: BudgetSearchOptions,
): Promise<BudgetSearchResult> {
  const started = Date.now();
  if (!(options.budget >= 0))
    throw new InvalidArgumentError(`--budget must be ≥ 0 points, got ${options.budget}`, {
      field: 'budget',
    });
  const objective = options.objective ?? 'zip';
  const limit = (options.timeLimitSeconds ?? 600) * 1000;
  const epochs = options.epochs ?? 1;
  const registry = options.registry ?? defaultOpRegistry;
  const teacher = baseline.clone();
  const evaluate = options.evaluate ?? engineEvaluator(options.engine, options.data.test, teacher);
  const signalOpt = options.signal ? { signal: options.signal } : {};
  const z = options.screenZ ?? SCREENING_Z;
  const subset =
    options.screenEvaluate || options.screenSamples === undefined || !options.data.test
      ? undefined
      : screeningSubset(options.data.test, options.screenSamples);
  const screen: ScreenedEvaluator | undefined =
    options.screenEvaluate ??
    (subset ? screeningEvaluator(options.engine, subset, teacher) : undefined);
  const sensitivity =
    options.sensitivity ??
    (await runSensitivity(baseline, {
      ...options,
      ...(screen ? { evaluate: screen } : {}),
      probes: ['int8', 'int4'],
    }));
  // Without screening the sensitivity pass measured the float model on the full set already.
  let fullBaseline: number | undefined =
    screen || options.sensitivity ? undefined : sensitivity.baseline;
  const fullBase = async (): Promise<number> => {
    fullBaseline ??= (await evaluate(baseline, { quantized: false, ...signalOpt }))?.value ?? 1;
    return fullBaseline;
  };
  const screenFloat = screen
    ? await screen(baseline, { quantized: false, ...signalOpt })
    : undefined;
  const screenBaseline = screen ? (screenFloat?.value ?? 1) : undefined;
  let rechecks = 0;
  const measureFull = async (graph: Graph): Promise<BudgetFullFigures> => {
    const base = await fullBase();
    const m = await evaluate(graph, { quantized: true, ...signalOpt });
    const metric = m?.value ?? 0;
    return { metric, drop: (base - metric) * 100, samples: m?.samples ?? 0 };
  };
  const fits = (drop: number): boolean => drop <= options.budget + 1e-9;
  // The time limit bounds the search itself: its clock starts once the sensitivity report exists.
  const searchStarted = Date.now();
  const layers = baseline
    .topologicalOrder()
    .filter((n) => registry.quantizedKernel(n) !== undefined)
    .map((n) => n.name);
  const int4Order = [...bySensitivity(sensitivity, 'int4')].reverse().map((l) => l.layer);
  const int8Order = bySensitivity(sensitivity, 'int8').map((l) => l.layer);
  const candidates: BudgetCandidate[] = [];
  const graphs = new Map<string, { graph: Graph; files: readonly ModelFile[] }>();
  let stoppedByTime = false;
  const outOfTime = (): boolean => {
    if (Date.now() - searchStarted > limit) stoppedByTime = true;
    return stoppedByTime;
  };

  const measure = async (
    branch: BudgetBranch,
    branchGraph: Graph,
    branchText: string,
    fourBit: readonly string[],
    float: readonly string[],
  ): Promise<BudgetCandidate> => {
    const t0 = Date.now();
    const q = quantizationPipeline(fourBit, float);
    const graph = await runPipelineCopy(branchGraph, q, { ...options, teacher });
    let screening: BudgetScreening | undefined;
    let full: BudgetFullFigures | undefined;
    if (screen) {
      const m = await screen(graph, { quantized: true, ...signalOpt });
      const figures = {
        baseline: screenBaseline!,
        metric: m?.value ?? 0,
        samples: m?.samples ?? 0,
        ...(m?.changedFraction !== undefined ? { changedFraction: m.changedFraction } : {}),
      };
      const v = screeningVerdict(figures, options.budget, z);
      screening = { metric: figures.metric, samples: figures.samples, ...v };
      // Near the boundary the subset cannot decide: the full set does, before the search goes on.
      if (v.verdict === 'recheck') {
        full = await measureFull(graph);
        rechecks++;
      }
    } else {
      full = await measureFull(graph);
    }
    const files = await options.writer(graph);
    const bytes = files.reduce((s, f) => s + f.bytes.length, 0);
    const zipBytes = files.reduce((s, f) => s + deflatedSize(f.bytes), 0);
    const metric = full ? full.metric : screening!.metric;
    const drop = full ? full.drop : screening!.drop;
    const c: BudgetCandidate = {
      id: `c${candidates.length + 1}`,
      branch,
      pipeline: branchText ? `${branchText} | ${q}` : q,
      fourBitLayers: [...fourBit],
      floatLayers: [...float],
      metric,
      drop,
      ...(screening ? { screen: screening } : {}),
      ...(full ? { full } : {}),
      bytes,
      zipBytes,
      size: objective === 'raw' ? bytes : zipBytes,
      withinBudget: full ? fits(full.drop) : screening!.verdict === 'within',
      seconds: (Date.now() - t0) / 1000,
    };
    candidates.push(c);
    graphs.set(c.id, { graph, files });
    options.onCandidate?.(c);
    return c;
  };

  for (const branch of options.branches ?? DEFAULT_BUDGET_BRANCHES) {
    if (candidates.length > 0 && outOfTime()) break;
    throwIfCancelled(options.signal);
    const text = branchPipeline(branch, epochs, options.data.train?.count);
    let branchGraph: Graph = baseline;
    try {
      if (text) branchGraph = await runPipelineCopy(baseline, text, { ...options, teacher });
    } catch (e) {
      // A branch that cannot be built is skipped (said on the logger); cancellation stops the search.
      throwIfCancelled(options.signal);
      options.logger?.warn(
        `budget search: branch "${text}" failed and is skipped: ${e instanceof Error ? e.message : String(e)}`,
      );
      continue;
    }
    if (candidates.length > 0 && outOfTime()) break;
    const all8 = await measure(branch, branchGraph, text, [], []);
    if (all8.withinBudget) {
      // Most 4-bit layers within budget: binary search over the int4-sensitivity order.
      // All of them first (a generous budget needs one candidate).
      let lo = 0;
      let hi = int4Order.length;
      if (hi > 0 && !outOfTime()) {
        const all4 = await measure(branch, branchGraph, text, int4Order, []);
        if (all4.withinBudget) lo = hi;
        else hi -= 1;
      }
      while (lo < hi && !outOfTime()) {
        const mid = Math.ceil((lo + hi) / 2);
        const c = await measure(branch, branchGraph, text, int4Order.slice(0, mid), []);
        if (c.withinBudget) lo = mid;
        else hi = mid - 1;
      }
    } else {
      // Keep the most int8-sensitive layers float until the budget holds (or all are float).
      for (let k = 1; k < layers.length && !outOfTime(); k++) {
        const c = await measure(branch, branchGraph, text, [], int8Order.slice(0, k));
        if (c.withinBudget) break;
      }
    }
  }

  // The smallest within budget, measured on the full set before it is chosen (a screened one may
  // miss there: then the next smallest); a real runtime may veto it too.
  let chosen: BudgetCandidate | undefined;
  const within = candidates.filter((c) => c.withinBudget).sort((a, b) => a.size - b.size);
  for (let c of within) {
    if (!c.full) {
      throwIfCancelled(options.signal);
      const full = await measureFull(graphs.get(c.id)!.graph);
      rechecks++;
      const rechecked: BudgetCandidate = {
        ...c,
        full,
        metric: full.metric,
        drop: full.drop,
        withinBudget: fits(full.drop),
      };
      candidates[candidates.indexOf(c)] = rechecked;
      options.onCandidate?.(rechecked);
      if (!rechecked.withinBudget) continue;
      c = rechecked;
    }
    if (!options.checkFiles) {
      chosen = c;
      break;
    }
    const r = await options.checkFiles(graphs.get(c.id)!.files);
    const checked = { ...c, ...(r ? { runtimeMetric: r.value } : {}) };
    candidates[candidates.indexOf(c)] = checked;
    if (!r || fits((fullBaseline! - r.value) * 100)) {
      chosen = checked;
      break;
    }
  }
  const picked = chosen ? graphs.get(chosen.id) : undefined;
  return {
    kind: sensitivity.kind,
    baseline: await fullBase(),
    budget: options.budget,
    ...(screen ? { screenSamples: screenFloat?.samples ?? 0, screenBaseline } : {}),
    rechecks,
    objective,
    candidates,
    // One set for every point: with screening the subset figures (every candidate has one).
    pareto: screen
      ? paretoFront(candidates.map((c) => ({ ...c, metric: c.screen!.metric }))).map((p) =>
          candidates.find((c) => c.id === p.id)!,
        )
      : paretoFront(candidates),
    ...(chosen ? { chosen } : {}),
    ...(picked ? { chosenGraph: picked.graph, chosenFiles: picked.files } : {}),
    sensitivity,
    seconds: (Date.now() - started) / 1000,
    sensitivitySeconds: (searchStarted - started) / 1000,
    stoppedByTime,
  };
}
