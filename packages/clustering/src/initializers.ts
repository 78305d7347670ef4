import { InvalidArgumentError, type Rng } from '@collabopt/core';
import { searchSorted, type SortedValues } from './sorted-values';

/** Centroid initialisations of TFMOT's `CentroidInitialization` (tfmot-spec §2.4). */
export type CentroidInit = 'linear' | 'random' | 'density' | 'kmeans++';

export const CENTROID_INITS: readonly CentroidInit[] = ['linear', 'random', 'density', 'kmeans++'];

/** `k` evenly spaced values from min to max inclusive (TF `linspace`; k = 1 gives [min]). */
export function linearCentroids(values: SortedValues, k: number): Float64Array {
  const out = new Float64Array(Math.max(0, k));
  if (k <= 0 || values.length === 0) return out.fill(0);
  const lo = values.min;
  const hi = values.max;
  const step = k > 1 ? (hi - lo) / (k - 1) : 0;
  for (let j = 0; j < k; j++) out[j] = lo + j * step;
  if (k > 1) out[k - 1] = hi;
  return out;
}

/** `k` samples of Uniform[min, max) from the seeded generator. */
export function randomCentroids(values: SortedValues, k: number, rng: Rng): Float64Array {
  const out = new Float64Array(Math.max(0, k));
  if (values.length === 0) return out;
  for (let j = 0; j < k; j++) out[j] = rng.uniform(values.min, values.max);
  return out;
}

/** Grid size of TFMOT's density-based initialisation. */
export const DENSITY_GRID_POINTS = 30;
/** Default margin of the density grid around [min, max]. */
export const DENSITY_GAP = 0.01;

/**
 * TFMOT's density-based initialisation: a 30-point grid over [min − gap, max + gap], the
 * empirical CDF F on it, targets p_j = linspace(0.01, 1, k); centroid j is the grid point at the
 * first index whose CDF exceeds p_j (clamped to the last grid point). As the spec derives, TFMOT's
 * "interpolation" between neighbouring grid points always lands on that grid point.
 */
export function densityCentroids(values: SortedValues, k: number, gap = DENSITY_GAP): Float64Array {
  const out = new Float64Array(Math.max(0, k));
  const n = values.length;
  if (k <= 0 || n === 0) return out;
  const g = DENSITY_GRID_POINTS;
  const lo = values.min - gap;
  const hi = values.max + gap;
  const grid = new Float64Array(g);
  const cdf = new Float64Array(g);
  for (let i = 0; i < g; i++) {
    grid[i] = i === g - 1 ? hi : lo + (i * (hi - lo)) / (g - 1);
    // F(x) = count(w ≤ x) / N, with the comparison done in float32 as TF does on a float32 tensor.
    cdf[i] = values.countAtMost(Math.fround(grid[i]!)) / n;
  }
  for (let j = 0; j < k; j++) {
    const p = k === 1 ? 0.01 : 0.01 + (j * (1 - 0.01)) / (k - 1);
    const idx = searchSorted(cdf, Math.fround(p), true);
    out[j] = grid[Math.min(idx, g - 1)]!;
  }
  return out;
}

/** Candidates drawn per k-means++ step when TF's `num_retries_per_sample = -1`: 1 + (2 + ⌊ln k⌋). */
export function kmeansPlusPlusCandidates(k: number): number {
  return 3 + Math.floor(Math.log(Math.max(1, k)));
}

/**
 * Greedy k-means++ on the values as 1-D points: the first centroid is a uniformly random value;
 * each next one is the best (lowest resulting potential) of several candidates drawn with
 * probability ∝ squared distance to the nearest chosen centroid. Exact, without O(n·k) scans:
 * the chosen centroids split the sorted values into Voronoi cells whose potentials come from
 * prefix sums, a draw picks a cell then an index by binary search, and a new centroid only
 * changes its two neighbouring cells.
 */
export function kmeansPlusPlusCentroids(
  values: SortedValues,
  k: number,
  rng: Rng,
  candidates = kmeansPlusPlusCandidates(k),
): Float64Array {
  const n = values.length;
  const out = new Float64Array(Math.max(0, k));
  if (k <= 0 || n === 0) return out;
  const v = values.values;
  // Chosen centroids in ascending order; cell j = values nearest to centres[j] = [bounds[j], bounds[j+1]).
  const centres: number[] = [v[rng.int(n)]!];
  out[0] = centres[0]!;
  const bounds: number[] = [0, n];
  const potentials: number[] = [values.squaredDistance(0, n, centres[0]!)];
  const boundary = (a: number, b: number): number => values.countAtMost((a + b) / 2);

  /** Position of x among the centres and the potentials of the cells it would reshape. */
  const evaluate = (x: number) => {
    const pos = searchSorted(centres, x, true); // insert after equal centres
    const left = pos - 1;
    const right = pos;
    const lo = left >= 0 ? bounds[left]! : 0;
    const hi = right < centres.length ? bounds[right + 1]! : n;
    const bLeft = left >= 0 ? boundary(centres[left]!, x) : lo;
    const bRight = right < centres.length ? boundary(x, centres[right]!) : hi;
    const pLeft = left >= 0 ? values.squaredDistance(lo, bLeft, centres[left]!) : 0;
    const pMid = values.squaredDistance(bLeft, bRight, x);
    const pRight = right < centres.length ? values.squaredDistance(bRight, hi, centres[right]!) : 0;
    const before =
      (left >= 0 ? potentials[left]! : 0) + (right < centres.length ? potentials[right]! : 0);
    return { pos, bLeft, bRight, pLeft, pMid, pRight, delta: pLeft + pMid + pRight - before };
  };

  const draw = (total: number): number => {
    if (!(total > 0)) return v[rng.int(n)]!;
    let u = rng.next() * total;
    let cell = 0;
    while (cell < potentials.length - 1 && u >= potentials[cell]!) u -= potentials[cell++]!;
    const lo = bounds[cell]!;
    const hi = bounds[cell + 1]!;
    const c = centres[cell]!;
    // Smallest i in [lo, hi) with Σ_{lo..i} (x − c)² > u.
    let a = lo;
    let b = hi - 1;
    while (a < b) {
      const mid = (a + b) >>> 1;
      if (values.squaredDistance(lo, mid + 1, c) > u) b = mid;
      else a = mid + 1;
    }
    return v[a]!;
  };

  for (let j = 1; j < k; j++) {
    const total = potentials.reduce((s, p) => s + p, 0);
    let best: ReturnType<typeof evaluate> | undefined;
    let bestX = 0;
    for (let t = 0; t < candidates; t++) {
      const x = draw(total);
      const e = evaluate(x);
      if (best === undefined || e.delta < best.delta) {
        best = e;
        bestX = x;
      }
    }
    const e = best!;
    out[j] = bestX;
    const left = e.pos - 1;
    centres.splice(e.pos, 0, bestX);
    bounds.splice(e.pos + 1, 0, e.bRight);
    if (left >= 0) bounds[e.pos] = e.bLeft;
    potentials.splice(e.pos, 0, e.pMid);
    if (left >= 0) potentials[left] = e.pLeft;
    if (e.pos + 1 < potentials.length) potentials[e.pos + 1] = e.pRight;
  }
  return out;
}

/** Dispatch on the initialisation name. `gap` applies to density only. */
export function initialCentroids(
  values: SortedValues,
  k: number,
  init: CentroidInit,
  rng: Rng,
  gap?: number,
): Float64Array {
  switch (init) {
    case 'linear':
      return linearCentroids(values, k);
    case 'random':
      return randomCentroids(values, k, rng);
    case 'density':
      return densityCentroids(values, k, gap);
    case 'kmeans++':
      return kmeansPlusPlusCentroids(values, k, rng);
    default:
      throw new InvalidArgumentError(
        `unknown centroid initialisation "${String(init)}"; use one of ${CENTROID_INITS.join(', ')}`,
        { field: 'init' },
      );
  }
}
