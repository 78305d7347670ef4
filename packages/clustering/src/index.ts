export { SortedValues, sortFloat32, searchSorted } from './sorted-values';
export {
  CENTROID_INITS,
  DENSITY_GAP,
  DENSITY_GRID_POINTS,
  densityCentroids,
  initialCentroids,
  kmeansPlusPlusCandidates,
  kmeansPlusPlusCentroids,
  linearCentroids,
  randomCentroids,
  type CentroidInit,
} from './initializers';
export { kmeans1d, argsortStable, type KMeansOptions, type KMeansResult } from './kmeans';
export { NearestCentroid, assignNearest, allocateIndices, type IndexArray } from './assign';
export {
  MAX_CLUSTERS,
  assignCodebook,
  codebookAnnotation,
  codebookValues,
  planCodebook,
  splitZeroCentroidCounts,
  usedCentroids,
  type ClusterOptions,
  type Codebook,
  type CodebookPlan,
} from './codebook';
export {
  assignCodebookRateAware,
  codebookRowEntropies,
  freeTargetBits,
  importanceWeightedCounts,
  indexEntropy,
  indexShares,
  rateAwareAssign,
} from './rate-aware-assign';
export { countsEntropy, lambdaForEntropy, rateAwareCounts } from './entropy-target';
export { clusterWeight, type ClusteredWeight } from './cluster-weight';
export { clusterEligibility, clustersPerChannel, type Eligibility } from './eligibility';
export {
  createClusterTransform,
  codebookForValues,
  codebookFromAnnotation,
  weightKey,
  type ClusterTransformOptions,
  type GradientAggregation,
} from './cluster-transform';
export {
  cluster,
  sparsityPreservingCluster,
  CLUSTER_OPTIONS,
  type ClusterPassOptions,
  type ClusterReport,
  type ClusterLayerReport,
  type ClusterSkip,
} from './cluster-pass';
export { registerClusteringPasses, clusteringPasses } from './register';
