import type { SortedValues } from './sorted-values';

export interface KMeansOptions {
  /** Lloyd iterations at most (default 100). */
  readonly maxIterations?: number;
}

export interface KMeansResult {
  /** Final centroids, in the order of the initial ones. */
  readonly centroids: Float64Array;
  readonly iterations: number;
  /** True when the assignment stopped changing (a fixed point of Lloyd's algorithm). */
  readonly converged: boolean;
  /** Σ (x − nearest centroid)² at the final centroids. */
  readonly inertia: number;
}

/** Indices that sort `c` ascending; equal values keep their original order (lowest index first). */
export function argsortStable(c: ArrayLike<number>): Int32Array {
  const order = Int32Array.from({ length: c.length }, (_, i) => i);
  return order.sort((a, b) => c[a]! - c[b]! || a - b);
}

/**
 * 1-D k-means (Lloyd) over values sorted once: with the centroids in ascending order every
 * cluster is a contiguous index range bounded by the midpoints between neighbouring centroids,
 * found by binary search; each new centroid is a range mean from prefix sums. An iteration costs
 * O(k log n) instead of O(n·k). A value exactly on a midpoint joins the lower centroid; an empty
 * cluster keeps its centroid.
 */
export function kmeans1d(
  values: SortedValues,
  initial: ArrayLike<number>,
  options: KMeansOptions = {},
): KMeansResult {
  const k = initial.length;
  const maxIterations = options.maxIterations ?? 100;
  const c = Float64Array.from(initial);
  const n = values.length;
  if (k === 0 || n === 0) return { centroids: c, iterations: 0, converged: true, inertia: 0 };
  let splits = new Int32Array(k + 1);
  let previous = new Int32Array(k + 1).fill(-1);
  let iterations = 0;
  let converged = false;
  let order = argsortStable(c);
  const computeSplits = (): void => {
    splits[0] = 0;
    splits[k] = n;
    for (let j = 0; j + 1 < k; j++) {
      const a = c[order[j]!]!;
      const b = c[order[j + 1]!]!;
      splits[j + 1] = Math.max(splits[j]!, values.countAtMost((a + b) / 2));
    }
  };
  while (iterations < maxIterations) {
    order = argsortStable(c);
    computeSplits();
    if (splits.every((s, i) => s === previous[i])) {
      converged = true;
      break;
    }
    for (let j = 0; j < k; j++) {
      const lo = splits[j]!;
      const hi = splits[j + 1]!;
      if (hi > lo) c[order[j]!] = values.rangeSum(lo, hi) / (hi - lo);
    }
    const t = previous;
    previous = splits;
    splits = t;
    iterations++;
  }
  if (!converged) {
    order = argsortStable(c);
    computeSplits();
  }
  let inertia = 0;
  for (let j = 0; j < k; j++)
    inertia += values.squaredDistance(splits[j]!, splits[j + 1]!, c[order[j]!]!);
  return { centroids: c, iterations, converged, inertia };
}
