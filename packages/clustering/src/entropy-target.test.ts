import { createRng } from '@collabopt/core';
import { countsEntropy, lambdaForEntropy, rateAwareCounts } from './entropy-target';
import { importanceWeightedCounts, indexShares, rateAwareAssign } from './rate-aware-assign';

/** The histogram of an assignment, as counts. */
function histogram(indices: ArrayLike<number>, k: number): number[] {
  return Array.from(indexShares(indices, k), (p) => Math.round(p * indices.length));
}

describe('rateAwareCounts', () => {
  it('puts the decision boundary where the hand-computed costs meet', () => {
    // Centroids 0 (share 3/4) and 1 (share 1/4), λ = 0.5: boundary at 0.89625 (see
    // rate-aware-assign.test.ts), so 0.6 and 0.89 go to 0, the rest to 1.
    const counts = rateAwareCounts([0.6, 0.89, 0.9, 0.95, 1.5], [0, 1], [0.75, 0.25], 0.5);
    expect(Array.from(counts)).toEqual([2, 3]);
  });

  it('equals the histogram of rateAwareAssign on random values, λ and shares', () => {
    const rng = createRng(7);
    for (let trial = 0; trial < 40; trial++) {
      const k = 2 + Math.floor(rng.next() * 7);
      const centroids = Array.from({ length: k }, () => rng.next() * 2 - 1);
      const shares = Array.from({ length: k }, () => (rng.next() < 0.2 ? 0 : rng.next()));
      const exclude = trial % 3 === 0 ? Math.floor(rng.next() * k) : undefined;
      const lambda = trial % 4 === 0 ? 0 : rng.next() * 0.5;
      const values = Float64Array.from({ length: 200 }, () => rng.next() * 2.4 - 1.2).sort();
      const options = exclude !== undefined ? { exclude } : {};
      const assigned = rateAwareAssign(values, centroids, shares, lambda, options);
      const counts = rateAwareCounts(values, centroids, shares, lambda, exclude);
      expect(Array.from(counts)).toEqual(histogram(assigned, k));
    }
  });

  it('counts each of two equal centroids once (the cheaper one takes the values)', () => {
    const counts = rateAwareCounts([0.1, 0.5, 0.9], [0.5, 0.5, 2], [0.1, 0.8, 0.1], 0.01);
    expect(Array.from(counts)).toEqual([0, 3, 0]);
  });
});

describe('countsEntropy', () => {
  it('is the Shannon entropy of the normalised counts', () => {
    expect(countsEntropy([2, 1, 0, 1])).toBeCloseTo(1.5, 12);
    expect(countsEntropy([5, 0])).toBe(0);
    expect(countsEntropy([0, 0])).toBe(0);
  });
});

describe('lambdaForEntropy', () => {
  // Values {0, 0, 0, 0.6, 1, 1} on centroids {0, 1} with shares {0.6, 0.4}: the boundary sits at
  // 0.5 + λ·(log2 0.6 − log2 0.4)/2 = 0.5 + 0.29248·λ. Nearest: counts 3/3 (1 bit). 0.6 moves to
  // 0 once the boundary passes it, at λ = 0.1 / 0.29248 = 0.34190; then counts 4/2 (0.9183 bits).
  // The 1s follow past λ = 0.5 / 0.29248 = 1.7095 (one cluster, 0 bits).
  const values = [0, 0, 0, 0.6, 1, 1];
  const centroids = [0, 1];
  const shares = [0.6, 0.4];
  const boundaryShift = (Math.log2(0.6) - Math.log2(0.4)) / 2;
  const countsAt = (l: number) => rateAwareCounts(values, centroids, shares, l);

  it('is the smallest λ reaching the target, by hand', () => {
    const lambda = lambdaForEntropy(countsAt, 0.95, 0.5);
    // To 0.1 % (the search's tolerance), never below the exact threshold.
    expect(lambda / (0.1 / boundaryShift)).toBeGreaterThanOrEqual(1);
    expect(lambda / (0.1 / boundaryShift)).toBeLessThanOrEqual(1.001);
    const below = lambdaForEntropy(countsAt, 0.5, 0.5);
    expect(below / (0.5 / boundaryShift)).toBeGreaterThanOrEqual(1);
    expect(below / (0.5 / boundaryShift)).toBeLessThanOrEqual(1.001);
    expect(Array.from(rateAwareAssign(values, centroids, shares, below))).toEqual([
      0, 0, 0, 0, 0, 0,
    ]);
  });

  it('is 0 when nearest-centroid assignment already meets the target', () => {
    expect(lambdaForEntropy(countsAt, 1, 0.5)).toBe(0);
    expect(lambdaForEntropy(countsAt, 0.5, 0)).toBe(0);
  });

  it('reaches a target on random data, and a λ 0.1 % smaller does not', () => {
    const rng = createRng(3);
    const sorted = Float64Array.from({ length: 2000 }, () => rng.normal() * 0.3).sort();
    const centroids = [-0.6, -0.3, -0.1, 0, 0.1, 0.3, 0.6];
    const nearest = rateAwareAssign(sorted, centroids, new Array(7).fill(1), 0);
    const shares = indexShares(nearest, 7);
    const start = countsEntropy(histogram(nearest, 7));
    const target = 0.9 * start;
    const lambda = lambdaForEntropy(
      (l) => rateAwareCounts(sorted, centroids, shares, l),
      target,
      0.04,
    );
    const bits = (l: number) =>
      countsEntropy(histogram(rateAwareAssign(sorted, centroids, shares, l), 7));
    expect(bits(lambda)).toBeLessThanOrEqual(target);
    expect(bits(lambda * (1 - 1e-3))).toBeGreaterThan(target);
  });
});

describe('importanceWeightedCounts', () => {
  it('with unit importance equals rateAwareCounts; an unimportant value moves first', () => {
    const values = [0, 0, 0, 0.6, 0.45, 1, 1];
    const centroids = [0, 1];
    const shares = [0.6, 0.4];
    const ones = new Array(values.length).fill(1);
    const sorted = Float64Array.from(values).sort();
    for (const l of [0, 0.2, 0.5, 2])
      expect(Array.from(importanceWeightedCounts(values, ones, centroids, shares, l))).toEqual(
        Array.from(rateAwareCounts(sorted, centroids, shares, l)),
      );
    // λ = 0.2: the boundary for unit importance sits at 0.5 + 0.2·0.29248 = 0.5585, so 0.6 stays on
    // 1. With importance 0.1 its cost on 1 is 0.1·0.16 + 0.2·1.32193 = 0.2804 and on 0
    // 0.1·0.36 + 0.2·0.73697 = 0.1834: it moves to 0.
    const weighted = [1, 1, 1, 0.1, 1, 1, 1];
    expect(Array.from(importanceWeightedCounts(values, weighted, centroids, shares, 0.2))).toEqual([
      5, 2,
    ]);
    expect(Array.from(importanceWeightedCounts(values, ones, centroids, shares, 0.2))).toEqual([
      4, 3,
    ]);
  });
});
