/** A point of a size/quality trade-off: smaller `size` and larger `quality` are better. */
export interface TradeOffPoint {
  readonly size: number;
  readonly quality: number;
}

/**
 * Which points are Pareto-optimal: no other point is at least as small and at least as good while
 * strictly better in one of the two. One flag per point, in order; identical points are all kept
 * (neither beats the other). O(n²): fronts here have tens of points.
 */
export function paretoOptimal(points: readonly TradeOffPoint[]): boolean[] {
  return points.map(
    (p) =>
      !points.some(
        (q) =>
          q !== p &&
          q.size <= p.size &&
          q.quality >= p.quality &&
          (q.size < p.size || q.quality > p.quality),
      ),
  );
}
