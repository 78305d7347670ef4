import { InvalidArgumentError } from '@collabopt/core';
import { NearestCentroid } from './assign';
import { assignCodebook, type Codebook } from './codebook';
import {
  assignCodebookRateAware,
  indexEntropy,
  indexShares,
  rateAwareAssign,
} from './rate-aware-assign';

describe('rateAwareAssign', () => {
  it('with λ = 0 is nearest-centroid assignment, whatever the shares', () => {
    const values = [-1, 0.1, 0.6, 2, 0.5];
    const centroids = [0, 1, -1];
    const got = Array.from(rateAwareAssign(values, centroids, [0.01, 0.01, 0.98], 0));
    // 0.5 sits on the midpoint of 0 and 1: the lower index wins, as argmin.
    expect(got).toEqual([2, 0, 1, 1, 0]);
    const nearest = new NearestCentroid(centroids);
    expect(got).toEqual(values.map((v) => nearest.nearest(v)));
  });

  it('moves the decision boundary towards the rarer centroid by the hand-computed amount', () => {
    // Centroids 0 (share 3/4) and 1 (share 1/4), λ = 0.5: rates 0.5·0.415 = 0.2075 and 0.5·2 = 1.
    // x² + 0.2075 = (1 − x)² + 1  ⇒  x = (1 + 1 − 0.2075) / 2 = 0.89625 (nearest: 0.5).
    const got = rateAwareAssign([0.6, 0.89, 0.9, 0.95, 1.5], [0, 1], [0.75, 0.25], 0.5);
    expect(Array.from(got)).toEqual([0, 0, 1, 1, 1]);
  });

  it('with a large λ empties the rarest cluster', () => {
    const values = [-1.1, -0.9, -0.1, 0, 0.2, 0.9, 1.1, 0.05, -0.05, 0.1];
    const centroids = [-1, 0, 1];
    const shares = indexShares(rateAwareAssign(values, centroids, [1, 1, 1], 0), 3);
    expect(Array.from(shares)).toEqual([0.2, 0.6, 0.2]);
    const rarer = rateAwareAssign(values, centroids, [0.1, 0.6, 0.3], 100);
    expect(Array.from(rarer).filter((j) => j === 0)).toHaveLength(0);
    const nearest = rateAwareAssign(values, centroids, [1, 1, 1], 0);
    expect(indexEntropy(rarer, 3)).toBeLessThan(indexEntropy(nearest, 3));
  });

  it('never chooses a centroid with share 0 or the excluded one', () => {
    const got = rateAwareAssign([-1, 0, 0.01, 1], [-1, 0, 1], [0.5, 0.5, 0], 1e-6, {
      exclude: 1,
    });
    expect(Array.from(got)).toEqual([0, 0, 0, 0]);
  });

  it('rejects a negative λ and mismatched shares with typed errors', () => {
    expect(() => rateAwareAssign([0], [0, 1], [1, 0], -1)).toThrow(InvalidArgumentError);
    expect(() => rateAwareAssign([0], [0, 1], [1], 1)).toThrow(/1 shares for 2 centroids/);
  });
});

describe('indexShares / indexEntropy', () => {
  it('are the histogram and its Shannon entropy', () => {
    expect(Array.from(indexShares([0, 0, 1, 3], 4))).toEqual([0.5, 0.25, 0, 0.25]);
    expect(indexEntropy([0, 0, 1, 3], 4)).toBeCloseTo(1.5, 12);
    expect(indexEntropy([2, 2, 2], 4)).toBe(0);
  });
});

describe('assignCodebookRateAware', () => {
  // Per-tensor codebook with a pinned zero centroid (index 0), as sparsity-preserving clustering.
  const sparse: Codebook = {
    clusters: 3,
    rows: 1,
    centroids: Float32Array.from([0, -1, 1]),
    zeroCentroid: [0],
  };
  const data = Float32Array.from([0, 0.9, 0, -1.1, 0.3, 1.2, 0.8, 1.0, -0.2, 0.02]);
  const frozen = Uint8Array.from(data, (v) => (v === 0 ? 0 : 1));
  frozen[9] = 0; // pruned by the mask although the value drifted

  it('with entropyWeight 0 equals assignCodebook (nearest, zeros and frozen on the zero centroid)', () => {
    const got = assignCodebookRateAware(data, [10], sparse, 0, { frozen });
    expect(Array.from(got)).toEqual(Array.from(assignCodebook(data, [10], sparse, frozen)));
  });

  it('keeps frozen elements on the zero centroid and free ones off it, whatever the weight', () => {
    for (const w of [0.01, 1, 1e3]) {
      const got = assignCodebookRateAware(data, [10], sparse, w, { frozen });
      data.forEach((_, i) => {
        if (frozen[i] === 0) expect(got[i]).toBe(0);
        else expect(got[i]).not.toBe(0);
      });
    }
  });

  it('moves the rare cluster into the common one as the weight grows (shares over free values)', () => {
    // Free values: 0.9, −1.1, 0.3, 1.2, 0.8, 1.0, −0.2 → nearest: −1 for −1.1 and −0.2 (2 of 7).
    const nearest = assignCodebookRateAware(data, [10], sparse, 0, { frozen });
    expect(Array.from(nearest)).toEqual([0, 2, 0, 1, 2, 2, 2, 2, 1, 0]);
    // Nearest-centroid error of the free values: (0.01 + 0.01 + 0.49 + 0.04 + 0.04 + 0 + 0.64) / 7
    // = 0.17571 = D. −0.2 costs (0.8)² + λ·log2(7/2) on −1 and (1.2)² + λ·log2(7/5) on +1,
    // λ = entropyWeight × D: weight 1 → 0.958 vs 1.525 and weight 3 → 1.593 vs 1.696 (stays on
    // −1); weight 4 → 1.910 vs 1.781 (moves to +1). −1.1 (0.01 vs 4.41 + …) stays on −1.
    expect(Array.from(assignCodebookRateAware(data, [10], sparse, 3, { frozen }))).toEqual(
      Array.from(nearest),
    );
    expect(Array.from(assignCodebookRateAware(data, [10], sparse, 1, { frozen }))).toEqual(
      Array.from(nearest),
    );
    const moved = assignCodebookRateAware(data, [10], sparse, 4, { frozen });
    expect(Array.from(moved)).toEqual([0, 2, 0, 1, 2, 2, 2, 2, 2, 0]);
  });

  it('is scale-free: scaling weights and centroids together gives the same assignment', () => {
    const scaled: Codebook = { ...sparse, centroids: sparse.centroids.map((c) => c * 1e-3) };
    const small = data.map((v) => v * 1e-3);
    expect(Array.from(assignCodebookRateAware(small, [10], scaled, 4, { frozen }))).toEqual(
      Array.from(assignCodebookRateAware(data, [10], sparse, 4, { frozen })),
    );
  });

  it('uses each row’s own shares for a per-channel codebook', () => {
    // Shape [4, 2], channel axis 1: column 0 is mostly −1, column 1 mostly +1; the middle value
    // 0.1 in each column goes to that column's common centroid, although +1 and −1 are equally
    // common over the whole tensor.
    const perChannel: Codebook = {
      clusters: 2,
      rows: 2,
      centroids: Float32Array.from([-1, 1, -1, 1]),
      channelAxes: [1],
    };
    const w = Float32Array.from([-1, 1, -1, 1, -1, 1, 0.1, -0.1]);
    expect(Array.from(assignCodebookRateAware(w, [4, 2], perChannel, 0))).toEqual([
      0, 1, 0, 1, 0, 1, 1, 0,
    ]);
    expect(Array.from(assignCodebookRateAware(w, [4, 2], perChannel, 2))).toEqual([
      0, 1, 0, 1, 0, 1, 0, 1,
    ]);
  });

  it('takes the shares from the previous assignment when given', () => {
    const previous = Uint8Array.from([0, 1, 0, 1, 1, 1, 1, 1, 1, 0]); // −1 common, +1 absent
    const got = assignCodebookRateAware(data, [10], sparse, 0.01, { frozen, previous });
    data.forEach((_, i) => expect(got[i]).toBe(frozen[i] === 0 ? 0 : 1));
  });
});
