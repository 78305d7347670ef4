export { runCli } from './run-cli';
export { registerAllPlugins } from './plugins';
export {
  loadUserPlugins,
  cliRegistries,
  type CollaboptPlugin,
  type PluginRegistries,
} from './user-plugins';
export { treeCommand, type TreeOptions } from './commands/tree';
export {
  treeBudgetCommand,
  formatBudgetFront,
  BUDGET_FILE,
  type TreeBudgetOptions,
} from './commands/tree-budget';
export {
  sensitivityCommand,
  formatSensitivityTable,
  type SensitivityCommandOptions,
} from './commands/sensitivity';
export { optimizeCommand, type OptimizeOptions, type OptimizeReport } from './commands/optimize';
export type { OptimizeAgreement } from './optimize-quality';
export type { AgreementFigures, OutputAgreementFigures } from '@collabopt/report';
export { loadDataSets, type DataRequest, type PipelineData } from './data-sets';
export type { CliIo } from './io';
