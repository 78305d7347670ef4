import { InvalidArgumentError } from '@collabopt/core';
import { allocateIndices, NearestCentroid, type IndexArray } from './assign';
import { assignCodebook, codebookLayout, type Codebook } from './codebook';
import { sortFloat32 } from './sorted-values';
import { countsEntropy, lambdaForEntropy, rateAwareCounts } from './entropy-target';
import { rateCandidates } from './rate-candidates';

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
 * `importance` (one factor per value, > 0) weighs each value's squared error: the cost becomes
 * importance_i·(v − c_j)² + λ·(−log2 p_j), so unimportant values move first (Hessian-weighted ECSQ).
 */
export function rateAwareAssign(
  values: ArrayLike<number>,
  centroids: ArrayLike<number>,
  shares: ArrayLike<number>,
  lambda: number,
  options: { exclude?: number; out?: IndexArray; importance?: ArrayLike<number> } = {},
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
  const candidates = rateCandidates(shares, lambda, options.exclude);
  if (candidates.length === 0) return rateAwareAssign(values, centroids, shares, 0, options);
  const c = Float64Array.from(candidates, (j) => centroids[j]!);
  const rate = Float64Array.from(candidates, (j) => -lambda * Math.log2(shares[j]!));
  const importance = options.importance;
  for (let i = 0; i < values.length; i++) {
    const v = values[i]!;
    const w = importance === undefined ? 1 : importance[i]!;
    let best = 0;
    let bestCost = Infinity;
    for (let t = 0; t < c.length; t++) {
      const d = v - c[t]!;
      const cost = w * d * d + rate[t]!;
      if (cost < bestCost) {
        bestCost = cost;
        best = t;
      }
    }
    out[i] = candidates[best]!;
  }
  return out;
}

/**
 * The histogram of the importance-weighted rate-aware assignment at λ: value i goes to the
 * centroid minimising (v_i − c_j)² + (λ / importance_i)·(−log2 p_j), i.e. importance_i·(v_i − c_j)²
 * + λ·(−log2 p_j), the second-order estimate of the loss a move costs against the bits it saves
 * (Hessian-weighted ECSQ, Choi, El-Khamy & Lee 2017). Same candidates and ties as
 * `rateAwareAssign`; O(n·k) per λ.
 */
export function importanceWeightedCounts(
  values: ArrayLike<number>,
  importance: ArrayLike<number>,
  centroids: ArrayLike<number>,
  shares: ArrayLike<number>,
  lambda: number,
  exclude?: number,
): Float64Array {
  const assigned = rateAwareAssign(values, centroids, shares, lambda, {
    importance,
    ...(exclude !== undefined ? { exclude } : {}),
  });
  const counts = new Float64Array(centroids.length);
  for (let i = 0; i < assigned.length; i++) counts[assigned[i]!]!++;
  return counts;
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
  return countsEntropy(indexShares(indices, k));
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

/** Smallest relative importance a value gets (so its rate term λ/importance stays finite). */
const MIN_RELATIVE_IMPORTANCE = 1e-3;

/**
 * The importance of a row's free values relative to their mean (mean 1, so λ keeps the unit of
 * squared error), each at least `MIN_RELATIVE_IMPORTANCE`; all 1 when the row has no importance yet
 * (mean 0) or a non-finite one.
 */
function rowImportance(importance: ArrayLike<number>, at: Int32Array): Float64Array {
  let sum = 0;
  for (const i of at) sum += importance[i]!;
  const mean = sum / at.length;
  if (!(mean > 0) || !Number.isFinite(mean)) return new Float64Array(at.length).fill(1);
  const out = new Float64Array(at.length);
  for (let t = 0; t < at.length; t++)
    out[t] = Math.max(MIN_RELATIVE_IMPORTANCE, importance[at[t]!]! / mean);
  return out;
}

/**
 * Values the importance-weighted λ search looks at: all of a row's values up to this many, else an
 * evenly strided sample of this many (the entropy of 16,384 indices is within ~0.01 bit of the
 * row's; the final assignment still visits every value).
 */
const SEARCH_SAMPLE = 16384;

function searchSample(
  values: Float32Array,
  importance: Float64Array,
): { values: Float32Array; importance: Float64Array } {
  if (values.length <= SEARCH_SAMPLE) return { values, importance };
  const stride = values.length / SEARCH_SAMPLE;
  const at = Int32Array.from({ length: SEARCH_SAMPLE }, (_, t) => Math.floor(t * stride));
  return {
    values: Float32Array.from(at, (i) => values[i]!),
    importance: Float64Array.from(at, (i) => importance[i]!),
  };
}

/**
 * Element positions of each codebook row's free values, and which elements are free (frozen or
 * zero elements of a codebook with a pinned zero centroid are not). Typed arrays: a million-element
 * row built with number[].push cost ~0.3 s per training step.
 */
function freeMembers(
  data: ArrayLike<number>,
  shape: readonly number[],
  codebook: Codebook,
  frozen: Uint8Array | undefined,
): { members: Int32Array[]; free: Uint8Array; rowOf: (i: number) => number } {
  const layout = codebookLayout(shape, codebook.channelAxes);
  const rowOf = layout ? layout.channelOf : () => 0;
  const pinned = codebook.zeroCentroid !== undefined;
  const free = new Uint8Array(data.length);
  const counts = new Int32Array(layout ? layout.count : 1);
  for (let i = 0; i < data.length; i++)
    if (!(pinned && (data[i] === 0 || (frozen !== undefined && frozen[i] === 0)))) {
      free[i] = 1;
      counts[rowOf(i)]!++;
    }
  const members = Array.from(counts, (c) => new Int32Array(c));
  const filled = new Int32Array(counts.length);
  for (let i = 0; i < data.length; i++)
    if (free[i]) {
      const r = rowOf(i);
      members[r]![filled[r]!++] = i;
    }
  return { members, free, rowOf };
}

/**
 * Index entropy (bits per element) of each codebook row under `indices`, over all of the row's
 * elements (the pinned zeros of a sparse codebook included): what an entropy coder pays per
 * element for the row's index stream.
 */
export function codebookRowEntropies(
  shape: readonly number[],
  codebook: Codebook,
  indices: ArrayLike<number>,
): Float64Array {
  const layout = codebookLayout(shape, codebook.channelAxes);
  const rows = layout ? layout.count : 1;
  const k = codebook.clusters;
  const counts = new Float64Array(rows * k);
  for (let i = 0; i < indices.length; i++)
    counts[(layout ? layout.channelOf(i) * k : 0) + indices[i]!]!++;
  return Float64Array.from({ length: rows }, (_, r) =>
    countsEntropy(counts.subarray(r * k, (r + 1) * k)),
  );
}

/**
 * The entropy the free elements of a row may have so that the whole row's index stream has
 * `rowBits` per element, when a share `z` of the row sits on the pinned zero centroid (a symbol
 * free elements never take): rowBits = h(z) + (1 − z)·freeBits, h the binary entropy. 0 when even
 * a single free cluster would exceed the target.
 */
export function freeTargetBits(rowBits: number, z: number): number {
  if (!(z > 0)) return rowBits;
  if (z >= 1) return 0;
  const binary = -z * Math.log2(z) - (1 - z) * Math.log2(1 - z);
  return Math.max(0, (rowBits - binary) / (1 - z));
}

/**
 * One rate-aware re-assignment of a clustered weight (the CQAT/PCQAT options `entropyReduction`
 * and `entropyWeight`). Per codebook row, the shares come from `previous` (the assignment of the
 * last training step; nearest-centroid when absent) over the row's free elements, and λ is either
 *
 * - chosen per row (`targetBits`, bits per element of the row's whole index stream, pinned zeros
 *   included, as `codebookRowEntropies`): the smallest λ whose assignment has an index entropy ≤
 *   the row's target (`lambdaForEntropy` on the free elements' share of it, `freeTargetBits`; 0
 *   when nearest-centroid assignment already meets it), so every row shrinks by what it is asked,
 *   whatever its values; or
 * - entropyWeight × G, G the mean squared gap between the row's adjacent centroids
 *   (`meanSquaredCentroidGap`, the zero centroid left out). G depends on the codebook only, not on
 *   how far fine-tuning has moved the weights off their centroids (CQAT starts with every weight
 *   exactly on a centroid), so one weight means the same at the first and the last step, per
 *   tensor and per channel, and it is scale-free: a value sitting on a centroid moves to a
 *   neighbour one gap away once entropyWeight × (bits saved) exceeds 1 (for an average gap).
 *
 * Frozen elements (`frozen[i] === 0`, pruned or zero) and zeros stay on the pinned zero centroid;
 * free elements never take it, so a sparsity mask holds exactly as in `assignCodebook`.
 * Deterministic: no randomness.
 */
export function assignCodebookRateAware(
  data: ArrayLike<number>,
  shape: readonly number[],
  codebook: Codebook,
  entropyWeight: number,
  options: {
    frozen?: Uint8Array;
    previous?: ArrayLike<number>;
    out?: IndexArray;
    targetBits?: ArrayLike<number>;
    importance?: ArrayLike<number>;
  } = {},
): IndexArray {
  const k = codebook.clusters;
  const out = options.out ?? allocateIndices(data.length, k);
  const previous =
    options.previous ??
    assignCodebook(data, shape, codebook, options.frozen, allocateIndices(data.length, k));
  const zeros = codebook.zeroCentroid;
  const { members, free, rowOf } = freeMembers(data, shape, codebook, options.frozen);
  const rowSize = data.length / members.length;
  if (options.targetBits !== undefined && options.targetBits.length !== members.length)
    throw new InvalidArgumentError(
      `rate-aware assignment: ${options.targetBits.length} target entropies for ${members.length} codebook rows`,
    );
  if (zeros !== undefined)
    for (let i = 0; i < data.length; i++) if (!free[i]) out[i] = zeros[rowOf(i)]!;
  for (let r = 0; r < members.length; r++) {
    const at = members[r]!;
    if (at.length === 0) continue;
    const values = new Float32Array(at.length);
    for (let t = 0; t < at.length; t++) values[t] = data[at[t]!]!;
    const centroids = codebook.centroids.subarray(r * k, (r + 1) * k);
    const shares = new Float64Array(k);
    for (const i of at) shares[previous[i]!]!++;
    for (let j = 0; j < k; j++) shares[j]! /= at.length;
    const exclude = zeros?.[r];
    const gap = meanSquaredCentroidGap(centroids, exclude);
    const importance =
      options.importance !== undefined ? rowImportance(options.importance, at) : undefined;
    let lambda = entropyWeight * gap;
    if (options.targetBits !== undefined) {
      const target = freeTargetBits(options.targetBits[r]!, 1 - at.length / rowSize);
      if (importance === undefined) {
        const sorted = sortFloat32(values);
        lambda = lambdaForEntropy(
          (l) => rateAwareCounts(sorted, centroids, shares, l, exclude),
          target,
          gap,
        );
      } else {
        const sample = searchSample(values, importance);
        lambda = lambdaForEntropy(
          (l) =>
            importanceWeightedCounts(
              sample.values,
              sample.importance,
              centroids,
              shares,
              l,
              exclude,
            ),
          target,
          gap,
        );
      }
    }
    const assigned = rateAwareAssign(values, centroids, shares, lambda, {
      ...(exclude !== undefined ? { exclude } : {}),
      ...(importance !== undefined ? { importance } : {}),
    });
    for (let t = 0; t < at.length; t++) out[at[t]!] = assigned[t]!;
  }
  return out;
}
