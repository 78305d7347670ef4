import type { Graph, PassRecord } from '@collabopt/core';
import {
  buildReportModel,
  sqnrOfPassReport,
  type ReportModel,
  type RunMetadata,
  type TreeLeafResult,
} from '@collabopt/report';
import type { TreeBranch, TreeLeaf } from './tree-plan';

/** What the deployment tree knows at its end, for its report. */
export interface TreeReportInput {
  readonly plan: { readonly branches: readonly TreeBranch[]; readonly leaves: readonly TreeLeaf[] };
  /** Per-leaf results (the rows of `tree-report.json`). */
  readonly results: readonly TreeLeafResult[];
  /** Float test accuracy of each branch, by branch id (`baseline` included). */
  readonly branchAccuracy: ReadonlyMap<string, number>;
  /** The graph of every branch and every built leaf, by id. */
  readonly graphs: ReadonlyMap<string, Graph>;
  /** The pass records of each leaf's pipeline (their SQNR reports feed the layer tables). */
  readonly leafRecords?: ReadonlyMap<string, readonly PassRecord[]>;
  readonly metadata: RunMetadata;
  /** The kernel the density plots show (default: the largest). */
  readonly kernel?: { readonly node: string; readonly slot: string };
}

/** Branch ids from the baseline down to `id`. */
function branchPath(branches: readonly TreeBranch[], id: string): string[] {
  const byId = new Map(branches.map((b) => [b.id, b]));
  const path: string[] = [];
  for (let b = byId.get(id); b; b = b.from ? byId.get(b.from) : undefined) path.unshift(b.id);
  return path;
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
  const { plan, graphs } = input;
  const leafById = new Map(plan.leaves.map((l) => [l.id, l]));
  const built = plan.leaves.filter((l) => graphs.has(l.id));
  const leaves = input.results.map((r): TreeLeafResult => {
    const leaf = leafById.get(r.leaf);
    if (!leaf) return r;
    const branches = branchPath(plan.branches, leaf.from);
    const pipelines = branches
      .map((id) => plan.branches.find((b) => b.id === id)?.pipeline)
      .filter((p): p is string => p !== undefined);
    const floatAccuracy = input.branchAccuracy.get(leaf.from);
    return {
      ...r,
      ...(floatAccuracy !== undefined ? { floatAccuracy } : {}),
      pipeline: [...pipelines, leaf.pipeline].join(' | '),
      ...(graphs.has(leaf.id) ? { path: [...branches, leaf.id] } : {}),
    };
  });
  const stages = [
    ...plan.branches
      .filter((b) => graphs.has(b.id))
      .map((b) => ({ id: b.id, label: lastStep(b.label), graph: graphs.get(b.id)! })),
    ...built.map((l) => ({
      id: l.id,
      label: `${lastStep(l.label)} → int8`,
      graph: graphs.get(l.id)!,
    })),
  ];
  const baseline = graphs.get('baseline');
  return buildReportModel({
    title: 'collabopt deployment tree',
    metadata: input.metadata,
    baseline: {
      label: 'baseline (float)',
      ...(input.branchAccuracy.has('baseline')
        ? { accuracy: input.branchAccuracy.get('baseline')! }
        : {}),
    },
    leaves,
    layers: [
      ...(baseline ? [{ id: 'baseline', label: 'baseline (float)', graph: baseline }] : []),
      ...built.map((l) => {
        const reports = (input.leafRecords?.get(l.id) ?? []).map((r) => sqnrOfPassReport(r.report));
        return {
          id: l.id,
          label: l.label,
          graph: graphs.get(l.id)!,
          options: {
            weightSqnr: reports.flatMap((s) => s.weightSqnr),
            activationSqnr: reports.flatMap((s) => s.activationSqnr),
          },
        };
      }),
    ],
    density: { stages, ...(input.kernel ? { kernel: input.kernel } : {}) },
  });
}
