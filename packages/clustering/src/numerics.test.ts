import { createRng, type Rng } from '@collabopt/core';
import { assignNearest, NearestCentroid } from './assign';
import {
  densityCentroids,
  kmeansPlusPlusCentroids,
  linearCentroids,
  randomCentroids,
} from './initializers';
import { kmeans1d } from './kmeans';
import { SortedValues, sortFloat32 } from './sorted-values';

const sv = (xs: number[]): SortedValues => SortedValues.from(Float32Array.from(xs));

describe('sortFloat32', () => {
  it('sorts like a numeric sort, negatives and zeros included (radix path)', () => {
    const rng = createRng(1);
    const data = Float32Array.from({ length: 5000 }, (_, i) =>
      i % 7 === 0 ? 0 : rng.normal() * 10 ** rng.int(5),
    );
    data[3] = -0;
    const expected = Float32Array.from(data).sort();
    const got = sortFloat32(data);
    expect(Array.from(got)).toEqual(Array.from(expected));
  });
  it('rejects NaN with the element position', () => {
    const data = new Float32Array(600);
    data[17] = NaN;
    expect(() => sortFloat32(data, { node: 'conv' })).toThrow(/NaN \(element 17\)/);
    expect(() => sv([1, NaN])).toThrow(/NaN/);
    expect(() => sv([1, Infinity])).toThrow(/infinite/);
  });
});

describe('initialisers', () => {
  it('linear: evenly spaced from min to max inclusive', () => {
    expect(Array.from(linearCentroids(sv([3, -1, 0.5, 0, 1]), 3))).toEqual([-1, 1, 3]);
    expect(Array.from(linearCentroids(sv([2, 4]), 5))).toEqual([2, 2.5, 3, 3.5, 4]);
    expect(Array.from(linearCentroids(sv([2, 4]), 1))).toEqual([2]);
  });

  it('random: seeded uniform draws in [min, max)', () => {
    const rng = createRng(42);
    const ref = createRng(42);
    const got = randomCentroids(sv([-2, 1, 6]), 4, rng);
    expect(Array.from(got)).toEqual([0, 1, 2, 3].map(() => -2 + ref.next() * 8));
    for (const c of got) expect(c >= -2 && c < 6).toBe(true);
  });

  it('density: grid point where the CDF first exceeds linspace(0.01, 1, k)', () => {
    // Values 0..9, gap 0.01: grid x_i = −0.01 + i·9.02/29. F > 0.01 first at x_1 (one value ≤ 0.30);
    // F > 0.505 needs 6 values (≤ 5) → x_17 = 5.2776; F > 1 never → last grid point 9.01.
    const values = sv([0, 1, 2, 3, 4, 5, 6, 7, 8, 9]);
    const got = densityCentroids(values, 3);
    const x = (i: number): number => -0.01 + (i * 9.02) / 29;
    expect(got[0]).toBeCloseTo(x(1), 10);
    expect(got[1]).toBeCloseTo(x(17), 10);
    expect(got[2]).toBeCloseTo(9.01, 10);
    // A custom gap (sparsity-preserving halves) moves the grid ends.
    expect(densityCentroids(sv([1, 2]), 2, 0.5)[1]).toBeCloseTo(2.5, 10);
  });

  it('kmeans++: a second centroid never lands on a point at distance 0', () => {
    for (let seed = 0; seed < 20; seed++) {
      const got = Array.from(
        kmeansPlusPlusCentroids(sv([0, 0, 0, 10, 10, 10]), 2, createRng(seed)),
      ).sort((a, b) => a - b);
      expect(got).toEqual([0, 10]);
    }
  });

  it('kmeans++: identical to a brute-force O(n·k) greedy k-means++ with the same draws', () => {
    const rng = createRng(7);
    const data = Float32Array.from(
      { length: 300 },
      () => rng.normal() + (rng.next() < 0.3 ? 4 : 0),
    );
    const values = SortedValues.from(data);
    const k = 8;
    const candidates = 4;
    const fast = kmeansPlusPlusCentroids(values, k, createRng(99), candidates);
    const slow = bruteForceKmeansPlusPlus(values.values, k, createRng(99), candidates);
    expect(Array.from(fast)).toEqual(Array.from(slow));
  });
});

/** Reference: D² sampling over every point with explicit cumulative sums (same RNG consumption). */
function bruteForceKmeansPlusPlus(
  v: Float32Array,
  k: number,
  rng: Rng,
  candidates: number,
): Float64Array {
  const n = v.length;
  const out = new Float64Array(k);
  const d2 = new Float64Array(n);
  out[0] = v[rng.int(n)]!;
  for (let i = 0; i < n; i++) d2[i] = (v[i]! - out[0]) ** 2;
  for (let j = 1; j < k; j++) {
    const total = d2.reduce((a, b) => a + b, 0);
    let best = Infinity;
    let bestX = 0;
    for (let t = 0; t < candidates; t++) {
      const u = rng.next() * total;
      let acc = 0;
      let pick = n - 1;
      for (let i = 0; i < n; i++) {
        acc += d2[i]!;
        if (acc > u) {
          pick = i;
          break;
        }
      }
      const x = v[pick]!;
      let pot = 0;
      for (let i = 0; i < n; i++) pot += Math.min(d2[i]!, (v[i]! - x) ** 2);
      if (pot < best) {
        best = pot;
        bestX = x;
      }
    }
    out[j] = bestX;
    for (let i = 0; i < n; i++) d2[i] = Math.min(d2[i]!, (v[i]! - bestX) ** 2);
  }
  return out;
}

describe('kmeans1d', () => {
  it('converges to the hand-computed fixed point', () => {
    // init [0, 5]: split at 2.5 → means 1.5, 9; split at 5.25 → means 2, 11; split unchanged → done.
    const r = kmeans1d(sv([1, 2, 3, 10, 11, 12]), [0, 5]);
    expect(Array.from(r.centroids)).toEqual([2, 11]);
    expect(r.converged).toBe(true);
    expect(r.iterations).toBe(2);
    expect(r.inertia).toBeCloseTo(4, 10);
  });

  it('keeps the initial order and empty clusters', () => {
    const r = kmeans1d(sv([1, 2, 3]), [100, 0]);
    expect(Array.from(r.centroids)).toEqual([100, 2]);
  });

  it('matches a brute-force Lloyd iteration on random data', () => {
    const rng = createRng(3);
    const data = Float32Array.from({ length: 2000 }, () => rng.normal());
    const init = [-2, -1, -0.5, 0, 0.3, 1, 2.5];
    const fast = kmeans1d(SortedValues.from(data), init, { maxIterations: 50 });
    let c = [...init];
    for (let it = 0; it < 50; it++) {
      const sum = new Float64Array(c.length);
      const cnt = new Float64Array(c.length);
      for (const x of data) {
        let best = 0;
        for (let j = 1; j < c.length; j++)
          if (Math.abs(x - c[j]!) < Math.abs(x - c[best]!)) best = j;
        sum[best] += x;
        cnt[best]++;
      }
      c = c.map((v, j) => (cnt[j]! > 0 ? sum[j]! / cnt[j]! : v));
    }
    for (let j = 0; j < c.length; j++) expect(fast.centroids[j]).toBeCloseTo(c[j]!, 6);
  });
});

describe('nearest centroid', () => {
  it('finds the argmin, ties to the lowest index', () => {
    const c = [3, -1, 1, 1];
    expect(Array.from(assignNearest([-5, 0, 0.4, 1, 2, 2.5, 9], c))).toEqual([1, 1, 2, 2, 0, 0, 0]); // 2 is equidistant from 1 (index 2) and 3 (index 0)
    // 0 is equidistant from −1 (index 1) and 1 (index 2): lowest index wins.
    expect(new NearestCentroid([1, -1]).nearest(0)).toBe(0);
    expect(new NearestCentroid([-1, 1]).nearest(0)).toBe(0);
  });
  it('can exclude one centroid', () => {
    const lookup = new NearestCentroid([-1, 0, 1], 1);
    expect([-0.1, 0.1, 0].map((x) => lookup.nearest(x))).toEqual([0, 2, 0]);
  });
  it('bulk assignment (bin table) equals the per-value binary search', () => {
    const rng = createRng(11);
    const centroids = Array.from({ length: 37 }, () => rng.normal());
    centroids.push(centroids[5]!); // a duplicate never wins
    const values = Float32Array.from({ length: 50000 }, () => rng.normal() * 1.5);
    values[0] = (centroids[0]! + centroids[1]!) / 2;
    const lookup = new NearestCentroid(centroids);
    const bulk = new Uint8Array(values.length);
    lookup.assignAll(values, bulk);
    let mismatches = 0;
    for (let i = 0; i < values.length; i++) {
      let best = 0;
      for (let j = 1; j < centroids.length; j++)
        if (Math.abs(values[i]! - centroids[j]!) < Math.abs(values[i]! - centroids[best]!))
          best = j;
      if (
        bulk[i] !== best &&
        Math.abs(values[i]! - centroids[best]!) !== Math.abs(values[i]! - centroids[bulk[i]!]!)
      )
        mismatches++;
    }
    expect(mismatches).toBe(0);
    expect(Array.from(bulk.subarray(1, 2000))).toEqual(
      Array.from(values.subarray(1, 2000), (x) => lookup.nearest(x)),
    );
  });
});
