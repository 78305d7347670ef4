import { paretoOptimal } from '@collabopt/core';

/** A point of a size/quality trade-off. */
export interface SizedResult {
  readonly size: number;
  readonly metric: number;
}

/**
 * The Pareto front of size (smaller is better) against metric (larger is better), core's
 * `paretoOptimal`: the points no other point beats on both, smallest first.
 */
export function paretoFront<T extends SizedResult>(points: readonly T[]): T[] {
  const optimal = paretoOptimal(points.map((p) => ({ size: p.size, quality: p.metric })));
  return points.filter((_, i) => optimal[i]).sort((a, b) => a.size - b.size || b.metric - a.metric);
}
