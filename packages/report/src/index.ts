export {
  REPORT_SCHEMA_VERSION,
  type ReportModel,
  type LeafReport,
  type LeafAccuracy,
  type BaselineReport,
  type LayerRow,
  type LayerTable,
  type DensityBin,
  type DensitySpike,
  type DensityStage,
  type DensityFigure,
  type RunMetadata,
} from './report-model';
export {
  buildReportModel,
  leafFromTreeResult,
  leafAccuracy,
  markParetoFront,
  type ReportInput,
  type TreeLeafResult,
  type LayerTableInput,
} from './build-report-model';
export {
  layerTable,
  largestKernel,
  type LayerTableOptions,
  type WeightSqnr,
  type ActivationSqnr,
} from './layer-table';
export {
  densityFigure,
  histogram,
  distinctValues,
  DENSITY_BINS,
  MAX_SPIKES,
  type DensityStageInput,
} from './density';
export type {
  AgreementHead,
  AgreementFigures,
  AgreementReport,
  OutputAgreementFigures,
} from './agreement-report';
export { paretoFront, type ParetoPoint } from './pareto';
export {
  formatBytes,
  formatCompression,
  compressionReduction,
  formatPercent,
  formatSeconds,
} from './compression';
export { renderHtml, REPORT_DATA_ELEMENT_ID } from './render-html';
export { renderReport, reportFormatOf, type ReportFormat } from './render-report';
export { chartSvg } from './chart-svg';
export { sizeAccuracySpec } from './size-accuracy-chart';
export { densitySpec } from './density-chart';
export { StageRecorder, sqnrOfPassReport } from './stage-recorder';
export { qualityMetricText, type QualityMetric, type QualityMetricText } from './quality-metric';
export { formatLeafTable } from './leaf-table';
export { formatPassRecords, type WrittenSize } from './pass-table';
export { optimizeReportModel, type OptimizeReportInput } from './optimize-report';
export {
  treeReportModel,
  treeRunMetric,
  type TreeReportInput,
  type TreeRunSummary,
  type TreeRunBranch,
  type TreeRunLeaf,
  type TreeRunMetric,
} from './tree-report-model';
