import {
  channelIndices,
  channelLayout,
  InvalidArgumentError,
  type ChannelLayout,
  type CodebookAnnotation,
  type ErrorLocation,
  type Rng,
  roundHalfToEven,
} from '@collabopt/core';
import { allocateIndices, NearestCentroid, type IndexArray } from './assign';
import { DENSITY_GAP, initialCentroids, type CentroidInit } from './initializers';
import { kmeans1d } from './kmeans';
import { SortedValues } from './sorted-values';

/** Centroids of a weight: one row of `clusters` values per tensor, or per output channel. */
export interface Codebook {
  readonly clusters: number;
  /** 1 per tensor; the channel count per channel. */
  readonly rows: number;
  /** rows × clusters centroids, row-major. */
  readonly centroids: Float32Array;
  /** Set for per-channel codebooks: the weight axes that, flattened, index the row. */
  readonly channelAxes?: readonly number[];
  /** Per row, the index of the centroid pinned at exactly 0 (sparsity-preserving clustering). */
  readonly zeroCentroid?: readonly number[];
}

/** A codebook computed from weights, with what the report needs. */
export interface CodebookPlan extends Codebook {
  /** Rows whose (non-zero, when preserving sparsity) values have fewer distinct values than available centroids. */
  readonly fewDistinctRows: readonly number[];
  /** Σ (w − centroid)² over the weight (k-means objective at the planned centroids). */
  readonly inertia: number;
  /** Lloyd iterations run, summed over rows. */
  readonly iterations: number;
}

export interface ClusterOptions {
  /** Centroids per codebook row (k). */
  readonly clusters: number;
  readonly init: CentroidInit;
  /** One codebook per output channel along `channelAxes`. */
  readonly perChannel: boolean;
  /** Output-channel axes of the weight (from the op registry); required when perChannel. */
  readonly channelAxes?: readonly number[];
  /** Pin a zero centroid at exactly 0; zeros stay zero, non-zeros use the other centroids. */
  readonly preserveSparsity: boolean;
  /** Lloyd iterations after the initialisation (0 = the initialiser's centroids, as TFMOT before fine-tuning). */
  readonly kmeansIterations: number;
  readonly rng: Rng;
  /** Elements pinned at zero (a pruning mask's zeros), besides the weight's exact zeros. */
  readonly frozen?: Uint8Array;
}

/** Smallest positive float32 (subnormal). */
const SMALLEST_FLOAT32 = 1.401298464324817e-45;

/** Most centroids a codebook row may have. */
export const MAX_CLUSTERS = 65536;

/**
 * Centroid counts of the negative and positive sides in sparsity-preserving clustering:
 * k_neg = round((k−1)·n_neg/(n_neg+n_pos)), k_pos = (k−1) − k_neg (tfmot-spec §2.6). Beyond the
 * spec, a non-empty side is given at least one centroid when the other side can spare it, and no
 * side gets more centroids than it has distinct values (the rest go to the other side).
 */
export function splitZeroCentroidCounts(
  k: number,
  nNeg: number,
  nPos: number,
  distinctNeg = Infinity,
  distinctPos = Infinity,
): [number, number] {
  const free = k - 1;
  if (nNeg + nPos === 0) return [0, 0];
  let kNeg = roundHalfToEven((free * nNeg) / (nNeg + nPos));
  let kPos = free - kNeg;
  if (nNeg > 0 && kNeg === 0 && kPos > 1) [kNeg, kPos] = [1, kPos - 1];
  if (nPos > 0 && kPos === 0 && kNeg > 1) [kNeg, kPos] = [kNeg - 1, 1];
  if (kNeg > distinctNeg) [kNeg, kPos] = [distinctNeg, kPos + kNeg - distinctNeg];
  if (kPos > distinctPos)
    [kNeg, kPos] = [Math.min(distinctNeg, kNeg + kPos - distinctPos), distinctPos];
  return [kNeg, kPos];
}

function padRow(values: ArrayLike<number>, k: number): Float64Array {
  const row = new Float64Array(k);
  const n = values.length;
  for (let j = 0; j < k; j++) row[j] = n === 0 ? 0 : values[Math.min(j, n - 1)]!;
  return row;
}

interface RowPlan {
  centroids: Float64Array;
  zero?: number;
  fewDistinct: boolean;
  inertia: number;
  iterations: number;
}

function planRow(
  values: Float32Array,
  frozen: Uint8Array | undefined,
  options: ClusterOptions,
  where: ErrorLocation,
): RowPlan {
  const k = options.clusters;
  if (!options.preserveSparsity) {
    const sorted = SortedValues.from(values, where);
    if (sorted.distinctCount() <= k) {
      const distinct = sorted.distinct();
      return {
        centroids: padRow(distinct, k),
        fewDistinct: distinct.length < k,
        inertia: 0,
        iterations: 0,
      };
    }
    const init = initialCentroids(sorted, k, options.init, options.rng);
    const km = kmeans1d(sorted, init, { maxIterations: options.kmeansIterations });
    return {
      centroids: km.centroids,
      fewDistinct: false,
      inertia: km.inertia,
      iterations: km.iterations,
    };
  }
  let free = 0;
  for (let i = 0; i < values.length; i++)
    if (values[i] !== 0 && !(frozen && frozen[i] === 0)) free++;
  const nonZero = new Float32Array(free);
  for (let i = 0, j = 0; i < values.length; i++)
    if (values[i] !== 0 && !(frozen && frozen[i] === 0)) nonZero[j++] = values[i]!;
  const sorted = SortedValues.from(nonZero, where);
  const nNeg = sorted.countBelow(0);
  const negative = sorted.slice(0, nNeg);
  const positive = sorted.slice(nNeg, sorted.length);
  const distinctNeg = negative.distinctCount();
  const distinctPos = positive.distinctCount();
  if (distinctNeg + distinctPos <= k - 1) {
    const row = [...negative.distinct(), 0, ...positive.distinct()];
    return {
      centroids: padRow(row, k),
      zero: distinctNeg,
      fewDistinct: row.length < k,
      inertia: 0,
      iterations: 0,
    };
  }
  const [kNeg, kPos] = splitZeroCentroidCounts(
    k,
    negative.length,
    positive.length,
    distinctNeg,
    distinctPos,
  );
  // Density grids must not cross zero: TFMOT narrows the gap to half the distance to 0.
  const gap = (side: SortedValues): number =>
    Math.min(DENSITY_GAP, Math.min(Math.abs(side.min), Math.abs(side.max)) / 2);
  const negInit =
    kNeg > 0
      ? initialCentroids(negative, kNeg, options.init, options.rng, gap(negative))
      : new Float64Array(0);
  const posInit =
    kPos > 0
      ? initialCentroids(positive, kPos, options.init, options.rng, gap(positive))
      : new Float64Array(0);
  const km = kmeans1d(sorted, [...negInit, ...posInit], {
    maxIterations: options.kmeansIterations,
  });
  const c = km.centroids;
  for (let j = 0; j < c.length; j++) {
    // A free centroid must never be 0 in float32, or non-zero weights would become zeros.
    if (Math.fround(c[j]!) === 0) c[j] = j < kNeg ? -SMALLEST_FLOAT32 : SMALLEST_FLOAT32;
  }
  const row = [...c.subarray(0, kNeg), 0, ...c.subarray(kNeg)];
  return {
    centroids: Float64Array.from(row),
    zero: kNeg,
    fewDistinct: false,
    inertia: km.inertia,
    iterations: km.iterations,
  };
}

/** Codebook rows layout of a weight for the given options (undefined per tensor). */
export function codebookLayout(
  shape: readonly number[],
  channelAxes: readonly number[] | undefined,
): ChannelLayout | undefined {
  return channelAxes ? channelLayout(shape, channelAxes) : undefined;
}

function validate(options: ClusterOptions, size: number, where: ErrorLocation): void {
  const k = options.clusters;
  if (!Number.isInteger(k) || k < 2 || k > MAX_CLUSTERS) {
    throw new InvalidArgumentError(
      `clusters must be an integer in [2, ${MAX_CLUSTERS}], got ${k}`,
      { ...where, field: 'clusters' },
    );
  }
  if (options.preserveSparsity && k < 3) {
    throw new InvalidArgumentError(
      `sparsity-preserving clustering needs at least 3 clusters (one is pinned at 0), got ${k}`,
      { ...where, field: 'clusters' },
    );
  }
  if (
    options.perChannel &&
    (options.channelAxes === undefined || options.channelAxes.length === 0)
  ) {
    throw new InvalidArgumentError("per-channel clustering needs the weight's channel axes", {
      ...where,
      field: 'perChannel',
    });
  }
  if (options.frozen !== undefined && options.frozen.length !== size) {
    throw new InvalidArgumentError(
      `frozen mask has ${options.frozen.length} entries, weight has ${size}`,
      where,
    );
  }
}

/** Compute the codebook of a float32 weight (initialisation, then k-means when kmeansIterations > 0). */
export function planCodebook(
  data: Float32Array,
  shape: readonly number[],
  options: ClusterOptions,
  where: ErrorLocation = {},
): CodebookPlan {
  validate(options, data.length, where);
  const k = options.clusters;
  const layout = options.perChannel ? codebookLayout(shape, options.channelAxes) : undefined;
  const rows = layout ? layout.count : 1;
  const centroids = new Float32Array(rows * k);
  const zeroCentroid: number[] = [];
  const fewDistinctRows: number[] = [];
  let inertia = 0;
  let iterations = 0;
  for (let r = 0; r < rows; r++) {
    let values = data;
    let frozen = options.frozen;
    if (layout) {
      const idx = channelIndices(layout, r);
      values = Float32Array.from(idx, (i) => data[i]!);
      if (frozen) {
        const f = frozen;
        frozen = Uint8Array.from(idx, (i) => f[i]!);
      }
    }
    const row = planRow(
      values,
      frozen,
      options,
      layout ? { ...where, field: `${where.field ?? 'weight'}[channel ${r}]` } : where,
    );
    for (let j = 0; j < k; j++) centroids[r * k + j] = row.centroids[j]!;
    if (row.zero !== undefined) zeroCentroid.push(row.zero);
    if (row.fewDistinct) fewDistinctRows.push(r);
    inertia += row.inertia;
    iterations += row.iterations;
  }
  return {
    clusters: k,
    rows,
    centroids,
    ...(layout ? { channelAxes: [...options.channelAxes!] } : {}),
    ...(options.preserveSparsity ? { zeroCentroid } : {}),
    fewDistinctRows,
    inertia,
    iterations,
  };
}

/**
 * Nearest centroid of every weight element within its row. With a zero centroid, zeros and
 * frozen elements take it and every other element takes the nearest of the remaining centroids,
 * so the zero pattern is kept exactly.
 */
export function assignCodebook(
  data: ArrayLike<number>,
  shape: readonly number[],
  codebook: Codebook,
  frozen?: Uint8Array,
  out?: IndexArray,
): IndexArray {
  const k = codebook.clusters;
  const indices = out ?? allocateIndices(data.length, k);
  const layout = codebookLayout(shape, codebook.channelAxes);
  const lookups: NearestCentroid[] = [];
  for (let r = 0; r < codebook.rows; r++) {
    lookups.push(
      new NearestCentroid(
        codebook.centroids.subarray(r * k, (r + 1) * k),
        codebook.zeroCentroid?.[r],
      ),
    );
  }
  const zeros = codebook.zeroCentroid;
  if (layout === undefined && lookups[0]!.size > 0) {
    lookups[0]!.assignAll(data, indices);
    if (zeros !== undefined) {
      const z = zeros[0]!;
      for (let i = 0; i < data.length; i++)
        if (data[i] === 0 || (frozen !== undefined && frozen[i] === 0)) indices[i] = z;
    }
    return indices;
  }
  const inner = layout ? layout.inner : 1;
  const count = layout ? layout.count : 1;
  for (let i = 0; i < data.length; i++) {
    const r = layout ? Math.floor(i / inner) % count : 0;
    const v = data[i]!;
    if (
      zeros !== undefined &&
      (v === 0 || (frozen !== undefined && frozen[i] === 0) || lookups[r]!.size === 0)
    )
      indices[i] = zeros[r]!;
    else indices[i] = lookups[r]!.nearest(v);
  }
  return indices;
}

/** The weight with every element replaced by its centroid. */
export function codebookValues(
  shape: readonly number[],
  codebook: Codebook,
  indices: IndexArray,
  out = new Float32Array(indices.length),
): Float32Array {
  const k = codebook.clusters;
  const layout = codebookLayout(shape, codebook.channelAxes);
  const inner = layout ? layout.inner : 1;
  const count = layout ? layout.count : 1;
  for (let i = 0; i < indices.length; i++) {
    const r = layout ? Math.floor(i / inner) % count : 0;
    out[i] = codebook.centroids[r * k + indices[i]!]!;
  }
  return out;
}

/** The `codebook` annotation later passes must keep. */
export function codebookAnnotation(codebook: Codebook, indices: IndexArray): CodebookAnnotation {
  return {
    centroids: Float32Array.from(codebook.centroids),
    indices,
    clusters: codebook.clusters,
    ...(codebook.channelAxes ? { channelAxes: [...codebook.channelAxes] } : {}),
    ...(codebook.zeroCentroid ? { zeroCentroid: [...codebook.zeroCentroid] } : {}),
  };
}

/** Unique values per codebook row actually used by the indices (for reports). */
export function usedCentroids(
  codebook: Codebook,
  shape: readonly number[],
  indices: IndexArray,
): number[] {
  const k = codebook.clusters;
  const layout = codebookLayout(shape, codebook.channelAxes);
  const seen = new Uint8Array(codebook.rows * k);
  for (let i = 0; i < indices.length; i++) {
    const r = layout ? layout.channelOf(i) : 0;
    seen[r * k + indices[i]!] = 1;
  }
  const out: number[] = [];
  for (let r = 0; r < codebook.rows; r++)
    out.push(seen.subarray(r * k, (r + 1) * k).reduce((a, b) => a + b, 0));
  return out;
}
