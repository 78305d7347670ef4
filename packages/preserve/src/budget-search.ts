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
  readonly onCandidate?: (candidate: BudgetCandidate) => void;
}

/** One measured candidate: a branch plus a per-layer quantization plan. */
export interface BudgetCandidate {
  readonly id: string;
  readonly branch: BudgetBranch;
  /** The branch's pipeline (empty for the baseline) and the quantization pipeline. */
  readonly pipeline: string;
  readonly fourBitLayers: readonly string[];
  readonly floatLayers: readonly string[];
  readonly metric: number;
  /** (baseline − metric) × 100. */
  readonly drop: number;
  readonly bytes: number;
  readonly zipBytes: number;
  /** bytes or zipBytes, by objective. */
  readonly size: number;
  readonly withinBudget: boolean;
  /** The real runtime's value, when `checkFiles` measured this candidate. */
  readonly runtimeMetric?: number;
  readonly seconds: number;
}

export interface BudgetSearchResult {
  readonly kind: TreeMetric['kind'];
  readonly baseline: number;
  readonly budget: number;
  readonly objective: BudgetObjective;
  readonly candidates: readonly BudgetCandidate[];
  /** Non-dominated candidates (smaller and at least as accurate), smallest first. */
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
 * follow. Time-bounded: no candidate starts more than `timeLimitSeconds` after the sensitivity
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
  const sensitivity =
    options.sensitivity ??
    (await runSensitivity(baseline, { ...options, probes: ['int8', 'int4'] }));
  // The time limit bounds the search itself: its clock starts once the sensitivity report exists.
  const searchStarted = Date.now();
  const base = sensitivity.baseline;
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
    const m = await evaluate(graph, { quantized: true, ...signalOpt });
    const files = await options.writer(graph);
    const bytes = files.reduce((s, f) => s + f.bytes.length, 0);
    const zipBytes = files.reduce((s, f) => s + deflatedSize(f.bytes), 0);
    const metric = m?.value ?? 0;
    const drop = (base - metric) * 100;
    const c: BudgetCandidate = {
      id: `c${candidates.length + 1}`,
      branch,
      pipeline: branchText ? `${branchText} | ${q}` : q,
      fourBitLayers: [...fourBit],
      floatLayers: [...float],
      metric,
      drop,
      bytes,
      zipBytes,
      size: objective === 'raw' ? bytes : zipBytes,
      withinBudget: drop <= options.budget + 1e-9,
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

  // The smallest within budget; a real runtime may veto it (then the next smallest).
  let chosen: BudgetCandidate | undefined;
  const within = candidates.filter((c) => c.withinBudget).sort((a, b) => a.size - b.size);
  for (const c of within) {
    if (!options.checkFiles) {
      chosen = c;
      break;
    }
    const r = await options.checkFiles(graphs.get(c.id)!.files);
    const checked = { ...c, ...(r ? { runtimeMetric: r.value } : {}) };
    candidates[candidates.indexOf(c)] = checked;
    if (!r || (base - r.value) * 100 <= options.budget + 1e-9) {
      chosen = checked;
      break;
    }
  }
  const picked = chosen ? graphs.get(chosen.id) : undefined;
  return {
    kind: sensitivity.kind,
    baseline: base,
    budget: options.budget,
    objective,
    candidates,
    pareto: paretoFront(candidates),
    ...(chosen ? { chosen } : {}),
    ...(picked ? { chosenGraph: picked.graph, chosenFiles: picked.files } : {}),
    sensitivity,
    seconds: (Date.now() - started) / 1000,
    sensitivitySeconds: (searchStarted - started) / 1000,
    stoppedByTime,
  };
}
