/** A candidate on the size/accuracy plane: smaller `size` and larger `accuracy` are better. */
export interface ParetoPoint {
  readonly size: number;
  readonly accuracy: number;
}

/**
 * Which points are on the Pareto front: no other point is at least as small and at least as
 * accurate while strictly better in one of the two. Returns one flag per point, in order.
 */
export function paretoFront(points: readonly ParetoPoint[]): boolean[] {
  return points.map(
    (p) =>
      !points.some(
        (q) =>
          q !== p &&
          q.size <= p.size &&
          q.accuracy >= p.accuracy &&
          (q.size < p.size || q.accuracy > p.accuracy),
      ),
  );
}
