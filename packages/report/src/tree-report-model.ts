import type { Graph, PassRecord } from '@collabopt/core';
import { buildReportModel, type TreeLeafResult } from './build-report-model';
import type { QualityMetric } from './quality-metric';
import type { ReportModel, RunMetadata } from './report-model';
import { sqnrOfPassReport } from './stage-recorder';

/**
 * The fields of a deployment-tree run's report (`runTree`'s `TreeReport` from
 * @collabopt/preserve, what `tree-report.json` holds) that the HTML/JSON report reads. Declared
 * here structurally: the report package imports no optimization package.
 */
export interface TreeRunMetric {
  readonly kind: QualityMetric;
  readonly value: number;
}

export interface TreeRunBranch {
  readonly id: string;
  readonly label: string;
  readonly from: string | null;
  readonly pipeline: string | null;
  readonly metric?: TreeRunMetric;
}

export interface TreeRunLeaf {
  readonly id: string;
  readonly label: string;
  readonly from: string;
  readonly pipeline: string;
  readonly status: string;
  readonly error?: { readonly message: string };
  readonly metric?: TreeRunMetric;
  readonly runtimeMetric?: TreeRunMetric;
  readonly kernels?: {
    readonly sparsity: number;
    readonly maxUniquePerKernel: number;
    readonly maxUniquePerChannel: number;
  };
  readonly files: readonly { readonly path: string }[];
  readonly bytes?: number;
  readonly deflatedBytes?: number;
  readonly seconds: number;
}

export interface TreeRunSummary {
  readonly model: string;
  readonly baseline: TreeRunMetric | null;
  readonly branches: readonly TreeRunBranch[];
  readonly leaves: readonly TreeRunLeaf[];
}

/** What the deployment tree knows at its end, for its HTML/JSON report. */
export interface TreeReportInput {
  /** `runTree`'s report (what tree-report.json holds). */
  readonly report: TreeRunSummary;
  /** The float model of every built branch, by id (`runTree`'s `branches`). */
  readonly branches: ReadonlyMap<string, Graph>;
  /** The quantized graph of every written leaf, by id (as the writer received it). */
  readonly leaves: ReadonlyMap<string, Graph>;
  /**
   * The pass records of every branch's and leaf's pipeline, by id (`runTree`'s `passRecords`):
   * the SQNR the quantizing passes report goes into the leaves' per-layer tables.
   */
  readonly passRecords?: ReadonlyMap<string, readonly PassRecord[]>;
  readonly metadata: RunMetadata;
  /** The kernel the density plots show (default: the largest). */
  readonly kernel?: { readonly node: string; readonly slot: string };
}

/** The last step of a label (`pruned → PQAT` → `PQAT`). */
function lastStep(label: string): string {
  return label.split('→').pop()!.trim();
}

/**
 * What the run's quality figures measure: the kind of the first measured leaf or branch metric
 * (all of a run's figures come from one evaluator), accuracy when nothing was measured.
 */
export function treeRunMetric(report: TreeRunSummary): QualityMetric {
  return (
    report.baseline?.kind ??
    report.leaves.find((l) => l.metric)?.metric?.kind ??
    report.branches.find((b) => b.metric)?.metric?.kind ??
    'accuracy'
  );
}

/** The weight and activation SQNR figures the passes of one pipeline reported. */
function sqnrOfRecords(records: readonly PassRecord[] | undefined) {
  const weightSqnr = [];
  const activationSqnr = [];
  for (const r of records ?? []) {
    const s = sqnrOfPassReport(r.report);
    weightSqnr.push(...s.weightSqnr);
    activationSqnr.push(...s.activationSqnr);
  }
  return { weightSqnr, activationSqnr };
}

/**
 * The report model of a deployment-tree run: every leaf with its branch's float figure, the
 * pipeline text and stages from the baseline, per-layer tables of the baseline and each leaf
 * (with the SQNR its quantizing pass reported), and the density of one kernel along every leaf's
 * path. Accuracy, agreement or SQNR, as the run measured.
 */
export function treeReportModel(input: TreeReportInput): ReportModel {
  const { report, branches, leaves } = input;
  const branchById = new Map(report.branches.map((b) => [b.id, b]));
  const pathOf = (id: string): string[] => {
    const path: string[] = [];
    for (let b = branchById.get(id); b; b = b.from ? branchById.get(b.from) : undefined)
      path.unshift(b.id);
    return path;
  };
  const results = report.leaves.map((l): TreeLeafResult => {
    const path = pathOf(l.from);
    const pipelines = path
      .map((id) => branchById.get(id)?.pipeline)
      .filter((p): p is string => typeof p === 'string');
    const float = branchById.get(l.from)?.metric?.value;
    return {
      leaf: l.id,
      label: l.label,
      status: l.status === 'ok' ? 'ok' : 'unavailable',
      ...(l.status !== 'ok' ? { reason: `${l.status}: ${l.error?.message ?? ''}` } : {}),
      ...(l.files[0] ? { file: l.files[0].path } : {}),
      ...(float !== undefined ? { floatAccuracy: float } : {}),
      ...(l.metric ? { simulatedAccuracy: l.metric.value } : {}),
      ...(l.runtimeMetric ? { runtimeAccuracy: l.runtimeMetric.value } : {}),
      ...(l.kernels
        ? {
            sparsity: l.kernels.sparsity,
            maxUniquePerKernel: l.kernels.maxUniquePerKernel,
            maxUniquePerChannel: l.kernels.maxUniquePerChannel,
          }
        : {}),
      ...(l.bytes !== undefined ? { fileBytes: l.bytes } : {}),
      ...(l.deflatedBytes !== undefined ? { deflatedBytes: l.deflatedBytes } : {}),
      wallTimeMs: l.seconds * 1000,
      pipeline: [...pipelines, l.pipeline].join(' | '),
      ...(leaves.has(l.id) ? { path: [...path, l.id] } : {}),
    };
  });
  const built = report.leaves.filter((l) => leaves.has(l.id));
  const baseline = report.branches[0] ? branches.get(report.branches[0].id) : undefined;
  return buildReportModel({
    title: `collabopt deployment tree: ${report.model}`,
    metric: treeRunMetric(report),
    metadata: input.metadata,
    baseline: {
      label: `${report.branches[0]?.label ?? 'baseline'}`,
      ...(report.baseline ? { accuracy: report.baseline.value } : {}),
    },
    leaves: results,
    layers: [
      ...(baseline && report.branches[0]
        ? [{ id: report.branches[0].id, label: report.branches[0].label, graph: baseline }]
        : []),
      ...built.map((l) => ({
        id: l.id,
        label: l.label,
        graph: leaves.get(l.id)!,
        options: sqnrOfRecords(input.passRecords?.get(l.id)),
      })),
    ],
    density: {
      stages: [
        ...report.branches
          .filter((b) => branches.has(b.id))
          .map((b) => ({ id: b.id, label: lastStep(b.label), graph: branches.get(b.id)! })),
        ...built.map((l) => ({
          id: l.id,
          label: `${lastStep(l.label)} → int8`,
          graph: leaves.get(l.id)!,
        })),
      ],
      ...(input.kernel ? { kernel: input.kernel } : {}),
    },
  });
}
