import type { CodebookAnnotation, ErrorLocation } from '@collabopt/core';
import type { IndexArray } from './assign';
import {
  assignCodebook,
  codebookAnnotation,
  codebookValues,
  planCodebook,
  type ClusterOptions,
  type CodebookPlan,
} from './codebook';

/** A weight clustered in one shot: centroid values, indices and the annotation to record. */
export interface ClusteredWeight {
  readonly values: Float32Array;
  readonly indices: IndexArray;
  readonly plan: CodebookPlan;
  readonly annotation: CodebookAnnotation;
}

/**
 * One-shot clustering of a float32 weight (no training): initialise, run k-means, assign every
 * element to its nearest centroid (zeros to the zero centroid when preserving sparsity) and
 * replace it by that centroid. `data` is not modified.
 */
export function clusterWeight(
  data: Float32Array,
  shape: readonly number[],
  options: ClusterOptions,
  where: ErrorLocation = {},
): ClusteredWeight {
  const plan = planCodebook(data, shape, options, where);
  const indices = assignCodebook(data, shape, plan, options.frozen);
  const values = codebookValues(shape, plan, indices);
  return { values, indices, plan, annotation: codebookAnnotation(plan, indices) };
}
