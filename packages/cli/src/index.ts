export { runCli } from './run-cli';
export { registerAllPlugins } from './plugins';
export {
  loadUserPlugins,
  cliRegistries,
  type CollaboptPlugin,
  type PluginRegistries,
} from './user-plugins';
export {
  treePlan,
  DEFAULT_TREE_OPTIONS,
  type TreeBranch,
  type TreeLeaf,
  type TreePlanOptions,
} from './tree-plan';
export { treeCommand, type TreeOptions, type LeafResult } from './commands/tree';
export { loadDataSets, type DataSetName, type PipelineData } from './data-sets';
export type { CliIo } from './io';
