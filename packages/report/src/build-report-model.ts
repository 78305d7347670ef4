import type { OpRegistry } from '@collabopt/core';
import { densityFigure, type DensityStageInput } from './density';
import { largestKernel, layerTable, type LayerTableOptions } from './layer-table';
import { paretoFront } from './pareto';
import {
  REPORT_SCHEMA_VERSION,
  type BaselineReport,
  type LeafReport,
  type ReportModel,
  type RunMetadata,
} from './report-model';
import type { Graph } from '@collabopt/core';
import type { AgreementReport } from './agreement-report';
import type { QualityMetric } from './quality-metric';

/**
 * One leaf as the deployment tree reports it (the fields of `tree-report.json`), plus what the
 * tree may add: the branch's float accuracy, wall time, the pipeline and the stages of its path.
 */
export interface TreeLeafResult {
  readonly leaf: string;
  readonly label: string;
  readonly status: 'ok' | 'unavailable';
  readonly reason?: string;
  readonly file?: string;
  readonly floatAccuracy?: number;
  readonly simulatedAccuracy?: number;
  readonly runtimeAccuracy?: number;
  readonly sparsity?: number;
  readonly maxUniquePerKernel?: number;
  readonly maxUniquePerChannel?: number;
  readonly fileBytes?: number;
  readonly deflatedBytes?: number;
  readonly wallTimeMs?: number;
  readonly pipeline?: string;
  /** Density stage ids from the baseline to this leaf. */
  readonly path?: readonly string[];
}

/** A graph whose per-layer table the report shows. */
export interface LayerTableInput {
  readonly id: string;
  readonly label: string;
  readonly graph: Graph;
  readonly options?: LayerTableOptions;
}

export interface ReportInput {
  readonly title: string;
  /** What the accuracy figures measure (default: accuracy). */
  readonly metric?: QualityMetric;
  readonly metadata?: RunMetadata;
  readonly baseline?: BaselineReport;
  readonly leaves?: readonly TreeLeafResult[];
  readonly layers?: readonly LayerTableInput[];
  /** Graphs of the stages whose kernel values the density figure shows (baseline first). */
  readonly density?: {
    readonly stages: readonly DensityStageInput[];
    /** The kernel to show (`--report-layer`); default: the largest kernel of the first stage. */
    readonly kernel?: { readonly node: string; readonly slot: string };
  };
  /** Without labels: the result's agreement with the float reference. */
  readonly agreement?: AgreementReport;
  readonly registry?: OpRegistry;
}

/** The accuracy a leaf is ranked by: the real runtime's, else the int8 simulation's, else float. */
export function leafAccuracy(leaf: Pick<LeafReport, 'accuracy'>): number | undefined {
  return leaf.accuracy.runtime ?? leaf.accuracy.fakeInt8 ?? leaf.accuracy.float;
}

function definedOnly<T extends object>(o: T): T {
  return Object.fromEntries(Object.entries(o).filter(([, v]) => v !== undefined)) as T;
}

/** A tree leaf result as a report leaf (without the Pareto flag). */
export function leafFromTreeResult(r: TreeLeafResult): LeafReport {
  return definedOnly({
    id: r.leaf,
    label: r.label,
    status: r.status,
    reason: r.reason,
    pipeline: r.pipeline,
    path: r.path,
    file: r.file,
    accuracy: definedOnly({
      float: r.floatAccuracy,
      fakeInt8: r.simulatedAccuracy,
      runtime: r.runtimeAccuracy,
    }),
    sparsity: r.sparsity,
    codesPerTensor: r.maxUniquePerKernel,
    codesPerChannel: r.maxUniquePerChannel,
    rawBytes: r.fileBytes,
    zippedBytes: r.deflatedBytes,
    wallTimeMs: r.wallTimeMs,
  });
}

/** Marks the ok leaves with a size and an accuracy that are on the size/accuracy Pareto front. */
export function markParetoFront(leaves: readonly LeafReport[]): LeafReport[] {
  const ranked = leaves
    .map((l, i) => ({ i, size: l.zippedBytes, accuracy: leafAccuracy(l), ok: l.status === 'ok' }))
    .filter(
      (p): p is { i: number; size: number; accuracy: number; ok: true } =>
        p.ok && p.size !== undefined && p.accuracy !== undefined,
    );
  const front = paretoFront(ranked);
  const onFront = new Map(ranked.map((p, k) => [p.i, front[k]!]));
  return leaves.map((l, i) => (onFront.has(i) ? { ...l, pareto: onFront.get(i)! } : l));
}

/**
 * The report model of a run: leaves with their Pareto flags, per-layer tables of the given graphs,
 * the density figure of one kernel along the given stages, and the run metadata. Pure data,
 * ready for `JSON.stringify` and `renderHtml`.
 */
export function buildReportModel(input: ReportInput): ReportModel {
  const registryOption = input.registry ? { registry: input.registry } : {};
  let density: ReportModel['density'];
  if (input.density && input.density.stages.length > 0) {
    const kernel =
      input.density.kernel ?? largestKernel(input.density.stages[0]!.graph, input.registry);
    if (kernel) density = densityFigure(input.density.stages, kernel);
  }
  return {
    schemaVersion: REPORT_SCHEMA_VERSION,
    title: input.title,
    metric: input.metric ?? 'accuracy',
    metadata: input.metadata ?? {},
    ...(input.baseline ? { baseline: input.baseline } : {}),
    leaves: markParetoFront((input.leaves ?? []).map(leafFromTreeResult)),
    layers: (input.layers ?? []).map((l) =>
      layerTable(l.id, l.label, l.graph, { ...registryOption, ...l.options }),
    ),
    ...(density ? { density } : {}),
    ...(input.agreement ? { agreement: input.agreement } : {}),
  };
}
