import { InvalidArgumentError } from '@collabopt/core';
import { allocateIndices, NearestCentroid, type IndexArray } from './assign';
import { assignCodebook, codebookLayout, type Codebook } from './codebook';

/**
 * Entropy-constrained (rate-aware) assignment of values to fixed centroids (Chou, Lookabaugh &
 * Gray 1989, ECSQ): each value goes to the centroid j minimising (v − c_j)² + λ·(−log2 p_j),
 * where p_j is centroid j's share of the values (its probability in the index histogram) and
 * −log2 p_j the bits an entropy coder spends on index j. Rare centroids cost more, lose their
 * borderline members and the entropy of the indices falls; λ trades squared error for bits.
 *
 * λ = 0 is nearest-centroid assignment (ties to the lowest index, as `NearestCentroid`). A centroid
 * with share 0 is never chosen when λ > 0 (its rate is infinite), so an emptied cluster stays
 * empty. `exclude` is a centroid no value may take (the pinned zero centroid of a sparse codebook).
 */
export function rateAwareAssign(
  values: ArrayLike<number>,
  centroids: ArrayLike<number>,
  shares: ArrayLike<number>,
  lambda: number,
  options: { exclude?: number; out?: IndexArray } = {},
): IndexArray {
  const k = centroids.length;
  if (shares.length !== k)
    throw new InvalidArgumentError(
      `rate-aware assignment: ${shares.length} shares for ${k} centroids`,
    );
  if (!(lambda >= 0) || !Number.isFinite(lambda))
    throw new InvalidArgumentError(
      `rate-aware assignment: λ must be a finite number ≥ 0, got ${lambda}`,
    );
  const out = options.out ?? allocateIndices(values.length, k);
  if (lambda === 0) {
    const nearest = new NearestCentroid(centroids, options.exclude);
    for (let i = 0; i < values.length; i++) out[i] = nearest.nearest(values[i]!);
    return out;
  }
  // Candidates: centroids a value may take, each with its rate cost λ·(−log2 p).
  const candidates: number[] = [];
  for (let j = 0; j < k; j++) if (j !== options.exclude && shares[j]! > 0) candidates.push(j);
  if (candidates.length === 0) return rateAwareAssign(values, centroids, shares, 0, options);
  const c = Float64Array.from(candidates, (j) => centroids[j]!);
  const rate = Float64Array.from(candidates, (j) => -lambda * Math.log2(shares[j]!));
  for (let i = 0; i < values.length; i++) {
    const v = values[i]!;
    let best = 0;
    let bestCost = Infinity;
    for (let t = 0; t < c.length; t++) {
      const d = v - c[t]!;
      const cost = d * d + rate[t]!;
      if (cost < bestCost) {
        bestCost = cost;
        best = t;
      }
    }
    out[i] = candidates[best]!;
  }
  return out;
}

/** Each centroid's share of the given indices (0 for an unused centroid); all 0 without indices. */
export function indexShares(indices: ArrayLike<number>, k: number): Float64Array {
  const shares = new Float64Array(k);
  for (let i = 0; i < indices.length; i++) shares[indices[i]!]!++;
  if (indices.length > 0) for (let j = 0; j < k; j++) shares[j]! /= indices.length;
  return shares;
}

/** Shannon entropy of an index histogram, bits per index. */
export function indexEntropy(indices: ArrayLike<number>, k: number): number {
  let h = 0;
  for (const p of indexShares(indices, k)) if (p > 0) h -= p * Math.log2(p);
  return h;
}

/**
 * Mean squared gap between adjacent centroids (sorted by value), leaving out `exclude` (the pinned
 * zero centroid of a sparse codebook): the codebook's own scale of squared error, the cost of
 * moving a value that sits on a centroid to its neighbour. 0 with fewer than two centroids.
 */
export function meanSquaredCentroidGap(centroids: ArrayLike<number>, exclude?: number): number {
  const sorted: number[] = [];
  for (let j = 0; j < centroids.length; j++) if (j !== exclude) sorted.push(centroids[j]!);
  if (sorted.length < 2) return 0;
  sorted.sort((a, b) => a - b);
  let sum = 0;
  for (let j = 1; j < sorted.length; j++) sum += (sorted[j]! - sorted[j - 1]!) ** 2;
  return sum / (sorted.length - 1);
}

/**
 * One rate-aware re-assignment of a clustered weight (the CQAT/PCQAT option `entropyWeight`).
 * Per codebook row, the shares come from `previous` (the assignment of the last training step;
 * nearest-centroid when absent) over the row's free elements, and λ = entropyWeight × G, G the
 * mean squared gap between the row's adjacent centroids (`meanSquaredCentroidGap`, the zero
 * centroid left out). G depends on the codebook only, not on how far fine-tuning has moved the
 * weights off their centroids (CQAT starts with every weight exactly on a centroid), so one weight
 * means the same at the first and the last step, per tensor and per channel, and it is scale-free:
 * a value sitting on a centroid moves to a neighbour one gap away once entropyWeight × (bits
 * saved) exceeds 1 (for an average gap).
 * Frozen elements (`frozen[i] === 0`, pruned or zero) and zeros stay on the pinned zero centroid;
 * free elements never take it, so a sparsity mask holds exactly as in `assignCodebook`.
 * Deterministic: no randomness.
 */
export function assignCodebookRateAware(
  data: ArrayLike<number>,
  shape: readonly number[],
  codebook: Codebook,
  entropyWeight: number,
  options: { frozen?: Uint8Array; previous?: ArrayLike<number>; out?: IndexArray } = {},
): IndexArray {
  const k = codebook.clusters;
  const out = options.out ?? allocateIndices(data.length, k);
  const previous =
    options.previous ??
    assignCodebook(data, shape, codebook, options.frozen, allocateIndices(data.length, k));
  const layout = codebookLayout(shape, codebook.channelAxes);
  const rows = layout ? layout.count : 1;
  const inner = layout ? layout.inner : 1;
  const zeros = codebook.zeroCentroid;
  const frozen = options.frozen;
  // Element positions of each row's free values (the others go to the zero centroid).
  const members: number[][] = Array.from({ length: rows }, () => []);
  for (let i = 0; i < data.length; i++) {
    const r = layout ? Math.floor(i / inner) % rows : 0;
    if (zeros !== undefined && (data[i] === 0 || (frozen !== undefined && frozen[i] === 0)))
      out[i] = zeros[r]!;
    else members[r]!.push(i);
  }
  for (let r = 0; r < rows; r++) {
    const at = members[r]!;
    if (at.length === 0) continue;
    const values = Float64Array.from(at, (i) => data[i]!);
    const centroids = codebook.centroids.subarray(r * k, (r + 1) * k);
    const shares = indexShares(
      at.map((i) => previous[i]!),
      k,
    );
    const assigned = rateAwareAssign(
      values,
      centroids,
      shares,
      entropyWeight * meanSquaredCentroidGap(centroids, zeros?.[r]),
      zeros !== undefined ? { exclude: zeros[r]! } : {},
    );
    at.forEach((i, t) => (out[i] = assigned[t]!));
  }
  return out;
}
