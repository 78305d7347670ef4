import type { Graph } from '@collabopt/core';
import type { TreeLeafReport, TreeReport } from '@collabopt/preserve';
import {
  buildReportModel,
  type ReportModel,
  type RunMetadata,
  type TreeLeafResult,
} from '@collabopt/report';

/** What the deployment tree knows at its end, for its HTML/JSON report. */
export interface TreeReportInput {
  /** `runTree`'s report (what tree-report.json holds). */
  readonly report: TreeReport;
  /** The float model of every built branch, by id (`runTree`'s `branches`). */
  readonly branches: ReadonlyMap<string, Graph>;
  /** The quantized graph of every written leaf, by id (as the writer received it). */
  readonly leaves: ReadonlyMap<string, Graph>;
  readonly metadata: RunMetadata;
  /** The kernel the density plots show (default: the largest). */
  readonly kernel?: { readonly node: string; readonly slot: string };
}

/** The last step of a label (`pruned → PQAT` → `PQAT`). */
function lastStep(label: string): string {
  return label.split('→').pop()!.trim();
}

/**
 * The report model of a deployment-tree run: every leaf with its branch's float accuracy, the
 * pipeline text and stages from the baseline, per-layer tables of the baseline and each leaf,
 * and the density of one kernel along every leaf's path.
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
  const results = report.leaves.map((l: TreeLeafReport): TreeLeafResult => {
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
      ...built.map((l) => ({ id: l.id, label: l.label, graph: leaves.get(l.id)! })),
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
