/** A point of a size/quality trade-off. */
export interface SizedResult {
  readonly size: number;
  readonly metric: number;
}

/**
 * The Pareto front of size (smaller is better) against metric (larger is better): the points no
 * other point beats on both, smallest first. Ties on both keep the first.
 */
export function paretoFront<T extends SizedResult>(points: readonly T[]): T[] {
  const sorted = [...points].sort((a, b) => a.size - b.size || b.metric - a.metric);
  const front: T[] = [];
  let best = -Infinity;
  for (const p of sorted) {
    if (p.metric > best) {
      front.push(p);
      best = p.metric;
    }
  }
  return front;
}
