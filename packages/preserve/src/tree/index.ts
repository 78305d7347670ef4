export {
  treePlan,
  checkTreePlan,
  pipelinePasses,
  DEFAULT_TREE_OPTIONS,
  TREE_BATCH_SIZE,
  pruneFrequencyFor,
  type TreePlan,
  type TreeBranch,
  type TreeLeaf,
  type TreePlanOptions,
} from './plan';
export { treePlanFromRecipe, type TreeRecipe } from './recipe';
export { kernelFigures, type KernelFigures } from './kernel-figures';
export {
  runTree,
  engineEvaluator,
  type RunTreeOptions,
  type TreeRun,
  type TreeData,
  type TreeWriter,
  type TreeEvaluator,
  type TreeEvent,
} from './run-tree';
export type {
  TreeReport,
  TreeDataDescription,
  TreeMetric,
  TreeFailure,
  TreeStatus,
  TreeBranchReport,
  TreeLeafReport,
  TreeFileReport,
  TreePhaseSeconds,
} from './report';
