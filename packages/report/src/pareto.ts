import { paretoOptimal } from '@collabopt/core';

/** A candidate on the size/accuracy plane: smaller `size` and larger `accuracy` are better. */
export interface ParetoPoint {
  readonly size: number;
  readonly accuracy: number;
}

/** Which points are on the Pareto front (core's `paretoOptimal`): one flag per point, in order. */
export function paretoFront(points: readonly ParetoPoint[]): boolean[] {
  return paretoOptimal(points.map((p) => ({ size: p.size, quality: p.accuracy })));
}
