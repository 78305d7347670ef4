export {
  pqat,
  cqat,
  pcqat,
  preservingTransforms,
  clusterQatOptions,
  CLUSTER_QAT_DEFAULTS,
  MOVE_COSTS,
  fineTuneSteps,
  reassignUntilStep,
  type ClusterAssignment,
  type FineTuneRun,
  type MoveCost,
  type Preservation,
} from './collaborative-qat';
export { registerPreservePasses, preservePasses } from './register';
export * from './tree';
export * from './legalize';
export { prepareOutput, pipelineOutcome, type PreparedOutput } from './prepare-output';
export {
  SENSITIVITY_PROBES,
  probePipeline,
  runSensitivity,
  runPipelineCopy,
  bySensitivity,
  sensitivityColumn,
  type SensitivityProbe,
  type SensitivityOptions,
  type SensitivityReport,
  type LayerSensitivity,
} from './sensitivity';
export {
  BUDGET_OBJECTIVES,
  DEFAULT_BUDGET_BRANCHES,
  searchBudget,
  branchPipeline,
  branchLabel,
  quantizationPipeline,
  type BudgetObjective,
  type BudgetBranch,
  type BudgetCandidate,
  type BudgetScreening,
  type BudgetFullFigures,
  type BudgetSearchOptions,
  type BudgetSearchResult,
} from './budget-search';
export { paretoFront, type SizedResult } from './budget-pareto';
export {
  SCREENING_Z,
  dropStandardError,
  screeningVerdict,
  screeningSubset,
  screeningEvaluator,
  type ScreenedMetric,
  type ScreenedEvaluator,
  type ScreeningFigures,
  type ScreeningVerdict,
} from './budget-screening';
