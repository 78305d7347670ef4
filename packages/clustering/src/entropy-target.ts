import { rateCandidates } from './rate-candidates';
import { searchSorted } from './sorted-values';

/**
 * How many of the (ascending) `sorted` values the rate-aware assignment at λ gives each centroid,
 * without visiting the values: the cost of centroid j at value v is (v − c_j)² + λ·(−log2 p_j) =
 * v² + (−2c_j·v + c_j² + λ·(−log2 p_j)), so the winner at v is the lower envelope of one line per
 * centroid (slope −2c_j). Each centroid on the envelope wins one interval of v, in order of c, and
 * its count is two binary searches: O(k log k + k log n) per λ.
 *
 * The candidates are those of `rateAwareAssign`: at λ = 0 every centroid but `exclude`, at λ > 0
 * only centroids with a share > 0. A value exactly on a breakpoint is counted for the larger
 * centroid (`rateAwareAssign` breaks such ties by index; the difference is one value per tie).
 */
export function rateAwareCounts(
  sorted: ArrayLike<number>,
  centroids: ArrayLike<number>,
  shares: ArrayLike<number>,
  lambda: number,
  exclude?: number,
): Float64Array {
  const counts = new Float64Array(centroids.length);
  const candidates = rateCandidates(shares, lambda, exclude);
  if (candidates.length === 0) return counts;
  // Ascending centroid value; of equal values the cheaper line (then the lower index) only.
  const intercept = (j: number) =>
    centroids[j]! * centroids[j]! + (lambda === 0 ? 0 : -lambda * Math.log2(shares[j]!));
  candidates.sort((a, b) => centroids[a]! - centroids[b]! || intercept(a) - intercept(b) || a - b);
  const hull: number[] = [];
  /** The value at which line b (larger centroid) starts to beat line a. */
  const breakpoint = (a: number, b: number) =>
    (intercept(b) - intercept(a)) / (2 * (centroids[b]! - centroids[a]!));
  for (const j of candidates) {
    const top = hull[hull.length - 1];
    if (top !== undefined && centroids[top] === centroids[j]) continue;
    while (
      hull.length >= 2 &&
      breakpoint(hull[hull.length - 2]!, hull[hull.length - 1]!) >=
        breakpoint(hull[hull.length - 1]!, j)
    )
      hull.pop();
    hull.push(j);
  }
  let start = 0;
  for (let t = 0; t < hull.length; t++) {
    const end =
      t + 1 < hull.length
        ? Math.max(start, searchSorted(sorted, breakpoint(hull[t]!, hull[t + 1]!), false))
        : sorted.length;
    counts[hull[t]!] = end - start;
    start = end;
  }
  return counts;
}

/** Shannon entropy (bits per element) of a histogram of counts; 0 for an empty one. */
export function countsEntropy(counts: ArrayLike<number>): number {
  let total = 0;
  for (let j = 0; j < counts.length; j++) total += counts[j]!;
  if (total === 0) return 0;
  let h = 0;
  for (let j = 0; j < counts.length; j++) {
    const p = counts[j]! / total;
    if (p > 0) h -= p * Math.log2(p);
  }
  return h;
}

/** Doublings of λ tried before giving up on reaching the target (2^60 × the start is far past the collapse into one cluster). */
const MAX_DOUBLINGS = 60;
/** Most bisection steps after the bracket is found. */
const BISECTIONS = 30;
/**
 * The bisection stops once the bracket is this narrow relative to λ: a λ 0.1 % off moves only the
 * values within 0.1 % of a rate term from a decision boundary.
 */
const LAMBDA_TOLERANCE = 1e-3;

/**
 * The smallest λ (to 0.1 %) at which a rate-aware assignment has an index entropy ≤
 * `targetBits`; `countsAt(λ)` gives the assignment's histogram at λ (`rateAwareCounts` for plain
 * squared error, `importanceWeightedCounts` with per-weight importance). 0 when λ = 0 (nearest
 * centroid) already meets the target. `scale` is λ's natural unit (the row's mean squared centroid
 * gap); the search starts at scale/64 and doubles. The entropy falls as λ grows (values join the
 * frequent centroids); when the used centroids' shares are all equal λ moves no boundary, and after
 * 60 doublings the largest λ tried is returned.
 */
export function lambdaForEntropy(
  countsAt: (lambda: number) => ArrayLike<number>,
  targetBits: number,
  scale: number,
): number {
  const bits = (lambda: number) => countsEntropy(countsAt(lambda));
  if (bits(0) <= targetBits || !(scale > 0)) return 0;
  let lo = 0;
  let hi = scale / 64;
  for (let i = 0; bits(hi) > targetBits; i++) {
    if (i === MAX_DOUBLINGS) return hi;
    lo = hi;
    hi *= 2;
  }
  for (let i = 0; i < BISECTIONS && hi - lo > LAMBDA_TOLERANCE * hi; i++) {
    const mid = (lo + hi) / 2;
    if (bits(mid) <= targetBits) hi = mid;
    else lo = mid;
  }
  return hi;
}
