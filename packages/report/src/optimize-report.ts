import type { Graph } from '@collabopt/core';
import type { AgreementReport } from './agreement-report';
import { buildReportModel } from './build-report-model';
import type { ReportModel, RunMetadata } from './report-model';
import type { StageRecorder } from './stage-recorder';

/** What `optimize` knows at its end, for its report. */
export interface OptimizeReportInput {
  readonly input: string;
  readonly output: string;
  readonly pipeline: string;
  readonly graph: Graph;
  /** The recorder given to the pass manager: the input graph and the graph after every pass. */
  readonly stages: StageRecorder;
  readonly accuracyBefore?: number;
  readonly accuracyAfter?: number;
  /** Without labels: the result's agreement with the input model (the float reference). */
  readonly agreement?: AgreementReport;
  readonly kernel?: {
    readonly sparsity: number;
    readonly maxUniquePerKernel: number;
    readonly maxUniquePerChannel: number;
  };
  readonly rawBytes: number;
  readonly zippedBytes: number;
  readonly wallTimeMs: number;
  readonly metadata: RunMetadata;
  readonly densityKernel?: { readonly node: string; readonly slot: string };
}

/**
 * The report model of one `optimize` run: the written model as the single leaf (float-IR accuracy
 * before and after, size raw → zipped), the layer table with the SQNR the passes reported, and the
 * density of one kernel after every pass of the pipeline; without labels, the agreement with the
 * input model.
 */
export function optimizeReportModel(o: OptimizeReportInput): ReportModel {
  return buildReportModel({
    title: `collabopt optimize ${o.input}`,
    metadata: o.metadata,
    baseline: {
      label: `${o.input} (input)`,
      ...(o.accuracyBefore !== undefined ? { accuracy: o.accuracyBefore } : {}),
    },
    leaves: [
      {
        leaf: 'output',
        label: o.output,
        status: 'ok',
        file: o.output,
        ...(o.accuracyAfter !== undefined ? { floatAccuracy: o.accuracyAfter } : {}),
        ...(o.kernel
          ? {
              sparsity: o.kernel.sparsity,
              maxUniquePerKernel: o.kernel.maxUniquePerKernel,
              maxUniquePerChannel: o.kernel.maxUniquePerChannel,
            }
          : {}),
        fileBytes: o.rawBytes,
        deflatedBytes: o.zippedBytes,
        wallTimeMs: o.wallTimeMs,
        pipeline: o.pipeline,
        path: o.stages.stages.map((s) => s.id),
      },
    ],
    layers: [
      {
        id: 'output',
        label: o.output,
        graph: o.graph,
        options: { weightSqnr: o.stages.weightSqnr, activationSqnr: o.stages.activationSqnr },
      },
    ],
    density: { stages: o.stages.stages, ...(o.densityKernel ? { kernel: o.densityKernel } : {}) },
    ...(o.agreement ? { agreement: o.agreement } : {}),
  });
}
