import { argsortStable } from './kmeans';

/** Index arrays a codebook can use. */
export type IndexArray = Uint8Array | Uint16Array | Int32Array;

/** Smallest index array type that holds indices 0..k−1. */
export function allocateIndices(size: number, k: number): IndexArray {
  return k <= 256
    ? new Uint8Array(size)
    : k <= 65536
      ? new Uint16Array(size)
      : new Int32Array(size);
}

/**
 * Nearest-centroid lookup prepared once per codebook row: centroids sorted with their midpoints,
 * so each value costs a binary search over k (O(n log k), not O(n·k)). Ties go to the lowest
 * centroid index, like argmin. `exclude` removes one centroid (the pinned zero centroid, which
 * only frozen zeros may use).
 */
export class NearestCentroid {
  private readonly sorted: Float64Array;
  private readonly index: Int32Array;
  private readonly midpoints: Float64Array;

  constructor(centroids: ArrayLike<number>, exclude?: number) {
    const order = Array.from(argsortStable(centroids)).filter((i) => i !== exclude);
    // Among equal centroids keep the lowest index only: a duplicate can never win argmin.
    const keep: number[] = [];
    for (const i of order)
      if (keep.length === 0 || centroids[keep[keep.length - 1]!] !== centroids[i]) keep.push(i);
    this.index = Int32Array.from(keep);
    this.sorted = Float64Array.from(keep, (i) => centroids[i]!);
    this.midpoints = new Float64Array(Math.max(0, keep.length - 1));
    for (let j = 0; j + 1 < keep.length; j++)
      this.midpoints[j] = (this.sorted[j]! + this.sorted[j + 1]!) / 2;
  }

  get size(): number {
    return this.index.length;
  }

  /** Index of the centroid nearest to x (−1 when no centroid is available). */
  nearest(x: number): number {
    return this.search(x, 0, this.midpoints.length);
  }

  /** Binary search for x among midpoints[lo, hi). */
  private search(x: number, lo: number, hi: number): number {
    const m = this.midpoints;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if (m[mid]! < x) lo = mid + 1;
      else hi = mid;
    }
    // On a midpoint both neighbours are equally near: prefer the lower centroid index.
    if (lo < m.length && m[lo] === x && this.index[lo + 1]! < this.index[lo]!)
      return this.index[lo + 1]!;
    return this.index.length === 0 ? -1 : this.index[lo]!;
  }

  /**
   * Assign many values at once. For large inputs a table of uniform bins over the midpoint range
   * resolves most values in O(1) (bins that hold no midpoint map to one centroid); values in the
   * other bins fall back to a binary search limited to the bin's midpoints.
   */
  assignAll(values: ArrayLike<number>, out: IndexArray): void {
    const m = this.midpoints;
    const n = values.length;
    if (n < 4096 || m.length < 4) {
      for (let i = 0; i < n; i++) out[i] = this.nearest(values[i]!);
      return;
    }
    const bins = Math.min(1 << 16, Math.max(256, m.length * 64));
    const lo = m[0]!;
    const hi = m[m.length - 1]!;
    const width = (hi - lo) / bins;
    if (!(width > 0) || !Number.isFinite(width)) {
      for (let i = 0; i < n; i++) out[i] = this.nearest(values[i]!);
      return;
    }
    const scale = 1 / width;
    // first[b]: midpoints strictly below the bin (with a margin); last[b]: midpoints ≤ its top.
    const first = new Int32Array(bins);
    const last = new Int32Array(bins);
    const margin = width * 1e-3;
    let a = 0;
    let c = 0;
    for (let b = 0; b < bins; b++) {
      const start = lo + b * width - margin;
      const end = lo + (b + 1) * width + margin;
      while (a < m.length && m[a]! < start) a++;
      while (c < m.length && m[c]! <= end) c++;
      first[b] = a;
      last[b] = c;
    }
    const index = this.index;
    for (let i = 0; i < n; i++) {
      const x = values[i]!;
      if (x <= lo) {
        out[i] = x === lo && index[1]! < index[0]! ? index[1]! : index[0]!;
        continue;
      }
      if (x > hi) {
        out[i] = index[m.length]!;
        continue;
      }
      let b = Math.floor((x - lo) * scale);
      if (b >= bins) b = bins - 1;
      const f = first[b]!;
      out[i] = f === last[b]! ? index[f]! : this.search(x, f, last[b]!);
    }
  }
}

/** Nearest centroid of every value (per-tensor codebook). */
export function assignNearest(
  values: ArrayLike<number>,
  centroids: ArrayLike<number>,
  out: IndexArray = allocateIndices(values.length, centroids.length),
): IndexArray {
  new NearestCentroid(centroids).assignAll(values, out);
  return out;
}
