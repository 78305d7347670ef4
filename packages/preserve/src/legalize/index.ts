export {
  legalize,
  legalizationError,
  type LegalizationStep,
  type LegalizationProblem,
  type LegalizationTarget,
  type LegalizationResult,
} from './legalize';
export { splitFusedActivation, splitSeparableConv } from './rewrites';
