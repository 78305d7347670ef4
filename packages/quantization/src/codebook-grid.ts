import { InvalidArgumentError, roundHalfAwayFromZero } from '@collabopt/core';

/**
 * The grid of a clustered weight (codebook-exact quantization): the axes its scales run along.
 * A per-channel codebook along the weight's quantization axes keeps one scale per channel (each
 * row of centroids on its own channel's grid); any other codebook gets one scale shared by the
 * whole tensor, so each centroid is one integer code everywhere and a codebook of k centroids is
 * at most k codes per tensor. `undefined` means one shared scale.
 */
export function codebookScaleAxes(
  codebookAxes: readonly number[] | undefined,
  quantAxes: readonly number[] | undefined,
  rank: number,
): readonly number[] | undefined {
  if (codebookAxes === undefined || quantAxes === undefined) return undefined;
  const norm = (x: readonly number[]): string => x.map((v) => (v < 0 ? v + rank : v)).join(',');
  return norm(codebookAxes) === norm(quantAxes) ? quantAxes : undefined;
}

/**
 * Integer codes of one row of centroids on the symmetric grid (scale, [qmin, qmax]) such that
 * distinct centroids get distinct codes: round(c / scale) (half away from zero, TFLite's
 * rounding) clamped to the range when that is already one-to-one; otherwise the strictly
 * increasing codes closest to c / scale in the least-squares sense (a dynamic programme over the
 * sorted centroids), so a codebook of k distinct centroids is exactly k codes whenever the range
 * has k levels. A zero centroid always has code 0 (pruned zeros stay exact). With more distinct
 * centroids than levels, colliding codes cannot be avoided and the rounded codes are returned.
 */
export function distinctCentroidCodes(
  centroids: ArrayLike<number>,
  scale: number,
  qmin: number,
  qmax: number,
): Int32Array {
  if (!(qmax > qmin)) throw new InvalidArgumentError(`empty integer range [${qmin}, ${qmax}]`);
  const n = centroids.length;
  const rounded = new Int32Array(n);
  for (let j = 0; j < n; j++) {
    const c = centroids[j]!;
    const q = scale > 0 && c !== 0 ? roundHalfAwayFromZero(c / scale) : 0;
    rounded[j] = Math.min(qmax, Math.max(qmin, q));
  }
  // Distinct centroid values, ascending; equal centroids share one code.
  const values = [...new Set(Array.from(centroids, (c) => (c === 0 ? 0 : c)))].sort(
    (a, b) => a - b,
  );
  const levels = qmax - qmin + 1;
  if (scale <= 0 || values.length > levels) return rounded;
  const codeOf = new Map<number, number>();
  for (let j = 0; j < n; j++) codeOf.set(centroids[j]! === 0 ? 0 : centroids[j]!, rounded[j]!);
  if (new Set(codeOf.values()).size === values.length) return rounded;

  // cost[i][l]: best squared error of values[0..i] with values[i] at code qmin + l, codes strictly
  // increasing; a zero value may only take code 0.
  const m = values.length;
  const cost = new Float64Array(m * levels).fill(Infinity);
  const from = new Int32Array(m * levels).fill(-1);
  const err = (i: number, l: number): number => {
    const q = qmin + l;
    if (values[i] === 0) return q === 0 ? 0 : Infinity;
    const d = values[i]! / scale - q;
    return d * d;
  };
  for (let l = 0; l < levels; l++) cost[l] = err(0, l);
  for (let i = 1; i < m; i++) {
    let best = Infinity;
    let bestL = -1;
    for (let l = 1; l < levels; l++) {
      // best over codes < l for the previous value
      const prev = cost[(i - 1) * levels + l - 1]!;
      if (prev < best) {
        best = prev;
        bestL = l - 1;
      }
      const e = err(i, l);
      if (best + e < cost[i * levels + l]!) {
        cost[i * levels + l] = best + e;
        from[i * levels + l] = bestL;
      }
    }
  }
  let l = -1;
  let best = Infinity;
  for (let c = 0; c < levels; c++) {
    if (cost[(m - 1) * levels + c]! < best) {
      best = cost[(m - 1) * levels + c]!;
      l = c;
    }
  }
  if (l < 0) return rounded; // a zero centroid outside the range cannot happen on a symmetric grid
  const assigned = new Map<number, number>();
  for (let i = m - 1; i >= 0; i--) {
    assigned.set(values[i]!, qmin + l);
    l = from[i * levels + l]!;
  }
  return Int32Array.from(centroids, (c) => assigned.get(c === 0 ? 0 : c)!);
}
