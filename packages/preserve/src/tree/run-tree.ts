import {
  CancelledError,
  CollaboptError,
  PassManager,
  defaultOpRegistry,
  defaultPassRegistry,
  deflatedSize,
  silentLogger,
  silentProgress,
  type Graph,
  type Logger,
  type ModelFile,
  type OpRegistry,
  type PassRecord,
  type PassRegistry,
  type ProgressReporter,
} from '@collabopt/core';
import type { DataSource, Dataset, Engine, EvaluateResult } from '@collabopt/engine';
import { simulationTransform } from '@collabopt/quantization';
import { kernelFigures } from './kernel-figures';
import { checkTreePlan, type TreeBranch, type TreeLeaf, type TreePlan } from './plan';
import type {
  TreeBranchReport,
  TreeDataDescription,
  TreeFailure,
  TreeLeafReport,
  TreeMetric,
  TreePhaseSeconds,
  TreeReport,
} from './report';

/**
 * The data sets a tree run uses (PassContext `data`): training, test, and PTQ calibration. The
 * test data may be a streamed `DataSource` without labels: leaves are then measured by their
 * agreement with the float baseline.
 */
export interface TreeData {
  readonly train?: Dataset | DataSource;
  readonly validation?: Dataset | DataSource;
  readonly test?: Dataset | DataSource;
  readonly calibration?: Dataset | DataSource;
}

/** Serialise a leaf's quantized graph; returns the files (main file first) without touching disk, or after writing them. */
export type TreeWriter = (graph: Graph, leaf: TreeLeaf) => Promise<readonly ModelFile[]>;

/** Measure a graph: `quantized` graphs are measured in the engine's int8 simulation. */
export type TreeEvaluator = (
  graph: Graph,
  options: { quantized: boolean; signal?: AbortSignal },
) => Promise<TreeMetric | undefined>;

/** Progress of a run, for printing as it goes. */
export type TreeEvent =
  | { readonly kind: 'baseline'; readonly metric: TreeMetric | null }
  | { readonly kind: 'branch-start'; readonly branch: TreeBranch }
  | { readonly kind: 'branch-done'; readonly report: TreeBranchReport }
  | { readonly kind: 'leaf-start'; readonly leaf: TreeLeaf }
  | { readonly kind: 'leaf-done'; readonly report: TreeLeafReport };

export interface RunTreeOptions {
  readonly engine: Engine;
  readonly data: TreeData;
  readonly writer: TreeWriter;
  readonly signal?: AbortSignal;
  readonly progress?: ProgressReporter;
  readonly logger?: Logger;
  readonly seed?: number;
  readonly passRegistry?: PassRegistry;
  readonly registry?: OpRegistry;
  /** Quality metric; default: `engineEvaluator` on `data.test` (accuracy, or agreement without labels). */
  readonly evaluate?: TreeEvaluator;
  /** Run a leaf's written files in a real runtime and measure them (e.g. the TFLite interpreter). */
  readonly checkFiles?: (
    files: readonly ModelFile[],
    leaf: TreeLeaf,
  ) => Promise<TreeMetric | undefined>;
  readonly onEvent?: (event: TreeEvent) => void;
  /** Recorded in the report's `data`. */
  readonly dataDescription?: TreeDataDescription;
}

export interface TreeRun {
  readonly report: TreeReport;
  /** The float model of every branch that was built, by branch id. */
  readonly branches: ReadonlyMap<string, Graph>;
  /**
   * The pass manager's records of every built branch's and leaf's own pipeline, by id: per pass
   * its statistics and the figures it reported (ptq: weight and activation SQNR).
   */
  readonly passRecords: ReadonlyMap<string, readonly PassRecord[]>;
}

function labelledTest(test: Dataset | DataSource | undefined): boolean {
  return test !== undefined && ('y' in test || test.labels !== undefined);
}

function headline(r: EvaluateResult): Pick<TreeMetric, 'kind' | 'value'> | undefined {
  switch (r.metric.name) {
    case 'accuracy':
      return { kind: 'accuracy', value: r.metric.value };
    case 'top1Agreement':
      return { kind: 'agreement', value: r.metric.value };
    case 'sqnrDb':
      return { kind: 'sqnrDb', value: r.metric.value };
    default:
      return undefined;
  }
}

/**
 * The engine's evaluation on `test`, from the float IR or the engine's int8 simulation: top-1
 * accuracy with labels; without labels, agreement with `teacher` (the float baseline).
 */
export function engineEvaluator(
  engine: Engine,
  test: Dataset | DataSource | undefined,
  teacher: Graph,
): TreeEvaluator {
  const labelled = labelledTest(test);
  return async (graph, { quantized, signal }) => {
    if (!test) return undefined;
    const r = await engine.evaluate(graph, test, {
      ...(signal ? { signal } : {}),
      ...(labelled ? {} : { teacher }),
      ...(quantized ? { activationTransforms: [simulationTransform(graph)] } : {}),
    });
    const m = headline(r);
    return m
      ? { ...m, samples: r.count, source: quantized ? 'int8-simulation' : 'float' }
      : undefined;
  };
}

/** Seconds of each pass of a pipeline, from the pass manager's records (not the input graph's). */
function passSeconds(records: readonly PassRecord[]): TreePhaseSeconds['passes'] {
  return records
    .filter((r, i) => !(i === 0 && r.pass === 'input'))
    .map((r) => ({ pass: r.pass, seconds: r.timeMs / 1000 }));
}

/**
 * The data sets the passes see. The tree measures every branch and leaf on `test` once it is
 * built; when `validation` is that same data set, the training passes' per-epoch validation would
 * measure it again (the model and the float teacher, over the whole set), so it is left out.
 */
export function passData(data: TreeData): Record<string, Dataset | DataSource> {
  const out: Record<string, Dataset | DataSource> = {};
  for (const [k, v] of Object.entries(data) as [keyof TreeData, TreeData[keyof TreeData]][])
    if (v !== undefined && !(k === 'validation' && v === data.test)) out[k] = v;
  return out;
}

function failure(e: unknown): TreeFailure {
  if (e instanceof CollaboptError)
    return {
      code: e.code,
      message: e.message,
      ...(e.location.node !== undefined ? { node: e.location.node } : {}),
    };
  return { code: 'UNEXPECTED', message: e instanceof Error ? e.message : String(e) };
}

function rethrowIfCancelled(e: unknown, signal: AbortSignal | undefined): void {
  if (e instanceof CancelledError || signal?.aborted) throw e;
}

/**
 * Run the deployment tree: build every branch from its parent, quantize and write every leaf,
 * measure each (quality, kernel sparsity and distinct int8 codes, raw and deflated bytes of the
 * written files). A failing branch or leaf is reported with its error and the run goes on (the
 * leaves of a failed branch are `skipped`); only cancellation stops it. `baseline` is not modified.
 */
export async function runTree(
  baseline: Graph,
  plan: TreePlan,
  options: RunTreeOptions,
): Promise<TreeRun> {
  checkTreePlan(plan);
  const started = Date.now();
  const passRegistry = options.passRegistry ?? defaultPassRegistry;
  const registry = options.registry ?? defaultOpRegistry;
  const evaluate = options.evaluate ?? engineEvaluator(options.engine, options.data.test, baseline);
  const emit = options.onEvent ?? (() => {});
  const signal = options.signal;
  const floatGraph = baseline.clone();
  const contextData = passData(options.data);

  const runPipeline = async (graph: Graph, pipeline: string) => {
    const pm = new PassManager({
      registry,
      passRegistry,
      logger: options.logger ?? silentLogger,
      progress: options.progress ?? silentProgress,
      ...(options.seed !== undefined ? { seed: options.seed } : {}),
      ...(signal ? { signal } : {}),
      data: contextData,
      engine: options.engine,
      // Every branch and leaf distils from the float model the tree started from (not from the
      // branch it is built on), so without labels all fine-tuning and measuring has one reference.
      teacher: floatGraph,
    }).addPipeline(pipeline);
    return pm.run(graph.clone());
  };
  const since = (t: number): number => (Date.now() - t) / 1000;

  const metricOpts = signal ? { signal } : {};
  // Without labels the baseline is the reference the others are compared with: nothing to measure.
  const baselineMetric = labelledTest(options.data.test)
    ? ((await evaluate(baseline, { quantized: false, ...metricOpts })) ?? null)
    : null;
  emit({ kind: 'baseline', metric: baselineMetric });

  const graphs = new Map<string, Graph>();
  const passRecords = new Map<string, readonly PassRecord[]>();
  const branchReports: TreeBranchReport[] = [];
  const status = new Map<string, TreeBranchReport['status']>();
  for (const b of plan.branches) {
    const t0 = Date.now();
    const base = { id: b.id, label: b.label, from: b.from ?? null, pipeline: b.pipeline ?? null };
    if (b.from === undefined || b.pipeline === undefined) {
      graphs.set(b.id, baseline);
      status.set(b.id, 'ok');
      const r: TreeBranchReport = {
        ...base,
        status: 'ok',
        ...(baselineMetric ? { metric: baselineMetric } : {}),
        kernels: kernelFigures(baseline, registry),
        warnings: [],
        seconds: 0,
      };
      branchReports.push(r);
      continue;
    }
    let report: TreeBranchReport;
    if (status.get(b.from) !== 'ok') {
      report = {
        ...base,
        status: 'skipped',
        error: { code: 'BRANCH_FAILED', message: `branch "${b.from}" was not built` },
        warnings: [],
        seconds: 0,
      };
    } else {
      emit({ kind: 'branch-start', branch: b });
      try {
        const r = await runPipeline(graphs.get(b.from)!, b.pipeline);
        graphs.set(b.id, r.graph);
        passRecords.set(b.id, r.records);
        const tEvaluate = Date.now();
        const metric = await evaluate(r.graph, { quantized: false, ...metricOpts });
        const phases: TreePhaseSeconds = {
          passes: passSeconds(r.records),
          evaluate: since(tEvaluate),
        };
        report = {
          ...base,
          status: 'ok',
          ...(metric ? { metric } : {}),
          kernels: kernelFigures(r.graph, registry),
          warnings: [...r.warnings],
          seconds: since(t0),
          phases,
        };
      } catch (e) {
        rethrowIfCancelled(e, signal);
        report = { ...base, status: 'failed', error: failure(e), warnings: [], seconds: since(t0) };
      }
      emit({ kind: 'branch-done', report });
    }
    status.set(b.id, report.status);
    branchReports.push(report);
  }

  const leafReports: TreeLeafReport[] = [];
  for (const leaf of plan.leaves) {
    const t0 = Date.now();
    const base = { id: leaf.id, label: leaf.label, from: leaf.from, pipeline: leaf.pipeline };
    const missing = leaf.requires.filter((p) => !passRegistry.has(p));
    let report: TreeLeafReport;
    if (status.get(leaf.from) !== 'ok') {
      report = {
        ...base,
        status: 'skipped',
        error: { code: 'BRANCH_FAILED', message: `branch "${leaf.from}" was not built` },
        files: [],
        warnings: [],
        seconds: 0,
      };
    } else if (missing.length > 0) {
      report = {
        ...base,
        status: 'unavailable',
        error: {
          code: 'PASS_NOT_REGISTERED',
          message: `pass ${missing.join(', ')} is not installed`,
        },
        files: [],
        warnings: [],
        seconds: 0,
      };
    } else {
      emit({ kind: 'leaf-start', leaf });
      try {
        const r = await runPipeline(graphs.get(leaf.from)!, leaf.pipeline);
        const tWrite = Date.now();
        const files = await options.writer(r.graph, leaf);
        passRecords.set(leaf.id, r.records);
        const tEvaluate = Date.now();
        const metric = await evaluate(r.graph, { quantized: true, ...metricOpts });
        const tCheck = Date.now();
        const runtimeMetric = options.checkFiles
          ? await options.checkFiles(files, leaf)
          : undefined;
        const phases: TreePhaseSeconds = {
          passes: passSeconds(r.records),
          evaluate: (tCheck - tEvaluate) / 1000,
          write: (tEvaluate - tWrite) / 1000,
          ...(options.checkFiles ? { check: since(tCheck) } : {}),
        };
        report = {
          ...base,
          status: 'ok',
          ...(metric ? { metric } : {}),
          ...(runtimeMetric ? { runtimeMetric } : {}),
          kernels: kernelFigures(r.graph, registry),
          files: files.map((f) => ({ path: f.path, bytes: f.bytes.length })),
          bytes: files.reduce((s, f) => s + f.bytes.length, 0),
          deflatedBytes: files.reduce((s, f) => s + deflatedSize(f.bytes), 0),
          warnings: [...r.warnings],
          seconds: since(t0),
          phases,
        };
      } catch (e) {
        rethrowIfCancelled(e, signal);
        report = {
          ...base,
          status: 'failed',
          error: failure(e),
          files: [],
          warnings: [],
          seconds: since(t0),
        };
      }
      emit({ kind: 'leaf-done', report });
    }
    leafReports.push(report);
  }
  return {
    report: {
      version: 1,
      model: baseline.name,
      ...(options.dataDescription ? { data: options.dataDescription } : {}),
      plan,
      baseline: baselineMetric,
      branches: branchReports,
      leaves: leafReports,
      seconds: since(started),
    },
    branches: graphs,
    passRecords,
  };
}
