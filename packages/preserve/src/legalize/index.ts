export {
  legalize,
  legalizationError,
  type LegalizationStep,
  type LegalizationProblem,
  type LegalizationTarget,
  type LegalizationResult,
} from './legalize';
export {
  formatRequirements,
  registerFormatRequirements,
  type FormatRequirements,
  type FormatRequirementsOf,
} from './format-requirements';
export { splitFusedActivation, splitSeparableConv } from './rewrites';
