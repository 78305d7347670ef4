import { InvalidArgumentError } from '@collabopt/core';
import { NearestCentroid } from './assign';
import { assignCodebook, type Codebook } from './codebook';
import {
  assignCodebookRateAware,
  codebookRowEntropies,
  freeTargetBits,
  indexEntropy,
  indexShares,
  meanSquaredCentroidGap,
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

describe('meanSquaredCentroidGap', () => {
  it('is the mean squared gap between adjacent sorted centroids, without the excluded one', () => {
    // Sorted 0, 1, 3: gaps 1 and 2 → (1 + 4) / 2 = 2.5.
    expect(meanSquaredCentroidGap([3, 0, 1])).toBe(2.5);
    // Without index 1 (the 0): −1, 1, 3 → gaps 2 and 2 → 4.
    expect(meanSquaredCentroidGap([3, 0, -1, 1], 1)).toBe(4);
    expect(meanSquaredCentroidGap([0.5])).toBe(0);
    expect(meanSquaredCentroidGap([0, 2], 0)).toBe(0);
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
    // Centroids without the pinned zero: −1 and 1, one gap of 2 → G = 4, λ = entropyWeight × 4.
    // −0.2 costs (0.8)² + λ·log2(7/2) on −1 and (1.2)² + λ·log2(7/5) on +1: it moves once
    // λ·(1.80735 − 0.48543) > 0.8, λ > 0.60518, weight > 0.15130. Weight 0.15: 1.72443 vs
    // 1.73126 (stays); 0.16: 1.79672 vs 1.75068 (moves). −1.1 (0.01 vs 4.41 + …) stays on −1.
    expect(Array.from(assignCodebookRateAware(data, [10], sparse, 0.15, { frozen }))).toEqual(
      Array.from(nearest),
    );
    const moved = assignCodebookRateAware(data, [10], sparse, 0.16, { frozen });
    expect(Array.from(moved)).toEqual([0, 2, 0, 1, 2, 2, 2, 2, 2, 0]);
  });

  it('acts on weights that sit exactly on their centroids (λ does not depend on drift)', () => {
    // CQAT starts with every weight on a centroid: one −1 and six +1 (shares 1/7, 6/7), G = 4.
    // The −1 costs λ·log2 7 = 2.80735λ where it is and 4 + λ·log2(7/6) = 4 + 0.22239λ on +1:
    // it moves once 2.58496λ > 4, λ > 1.54741, weight > 0.38685.
    const codebook: Codebook = { clusters: 2, rows: 1, centroids: Float32Array.from([-1, 1]) };
    const onCentroids = Float32Array.from([-1, 1, 1, 1, 1, 1, 1]);
    expect(Array.from(assignCodebookRateAware(onCentroids, [7], codebook, 0.38))).toEqual([
      0, 1, 1, 1, 1, 1, 1,
    ]);
    expect(Array.from(assignCodebookRateAware(onCentroids, [7], codebook, 0.39))).toEqual([
      1, 1, 1, 1, 1, 1, 1,
    ]);
  });

  it('is scale-free: scaling weights and centroids together gives the same assignment', () => {
    const scaled: Codebook = { ...sparse, centroids: sparse.centroids.map((c) => c * 1e-3) };
    const small = data.map((v) => v * 1e-3);
    for (const w of [0.15, 0.16])
      expect(Array.from(assignCodebookRateAware(small, [10], scaled, w, { frozen }))).toEqual(
        Array.from(assignCodebookRateAware(data, [10], sparse, w, { frozen })),
      );
  });

  it('uses each row’s own shares for a per-channel codebook', () => {
    // Shape [4, 2], channel axis 1: column 0 is mostly −1, column 1 mostly +1; the middle value
    // 0.1 in each column goes to that column's common centroid, although +1 and −1 are equally
    // common over the whole tensor. Each row: G = 4, weight 0.2 → λ = 0.8; column 0's 0.1 costs
    // 1.21 + 0.8·log2(4/3) = 1.542 on −1 and 0.81 + 0.8·2 = 2.41 on +1.
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
    expect(Array.from(assignCodebookRateAware(w, [4, 2], perChannel, 0.2))).toEqual([
      0, 1, 0, 1, 0, 1, 0, 1,
    ]);
  });

  it('takes the shares from the previous assignment when given', () => {
    const previous = Uint8Array.from([0, 1, 0, 1, 1, 1, 1, 1, 1, 0]); // −1 common, +1 absent
    const got = assignCodebookRateAware(data, [10], sparse, 0.01, { frozen, previous });
    data.forEach((_, i) => expect(got[i]).toBe(frozen[i] === 0 ? 0 : 1));
  });

  it('with targetBits reaches each row’s target on the whole index stream (pinned zeros included)', () => {
    // Nearest: [0,2,0,1,2,2,2,2,1,0], counts 3/2/5 → 1.48548 bits. A target of 1.3 leaves the
    // free values (share 0.7; h(0.3) = 0.88129) (1.3 − 0.88129)/0.7 = 0.59816 bits: 2/7 vs 5/7
    // (0.86312) is too much, 1/7 vs 6/7 (0.59167) fits, so the cheapest move happens: −0.2 (one
    // gap from +1) joins +1; −1.1 stays. The row then has 3/1/6 → 1.29546 bits.
    const nearest = assignCodebookRateAware(data, [10], sparse, 0, { frozen });
    const start = codebookRowEntropies([10], sparse, nearest)[0]!;
    expect(start).toBeCloseTo(1.48548, 5);
    const kept = assignCodebookRateAware(data, [10], sparse, 0, { frozen, targetBits: [start] });
    expect(Array.from(kept)).toEqual(Array.from(nearest));
    const got = assignCodebookRateAware(data, [10], sparse, 0, { frozen, targetBits: [1.3] });
    expect(Array.from(got)).toEqual([0, 2, 0, 1, 2, 2, 2, 2, 2, 0]);
    expect(codebookRowEntropies([10], sparse, got)[0]).toBeCloseTo(1.29546, 5);
  });

  it('with targetBits moves weights that sit exactly on their centroids', () => {
    const codebook: Codebook = { clusters: 2, rows: 1, centroids: Float32Array.from([-1, 1]) };
    const onCentroids = Float32Array.from([-1, 1, 1, 1, 1, 1, 1]); // 0.59167 bits
    const got = assignCodebookRateAware(onCentroids, [7], codebook, 0, { targetBits: [0.5] });
    expect(Array.from(got)).toEqual([1, 1, 1, 1, 1, 1, 1]);
    expect(() =>
      assignCodebookRateAware(onCentroids, [7], codebook, 0, { targetBits: [] }),
    ).toThrow(/0 target entropies for 1 codebook rows/);
  });
});

describe('codebookRowEntropies / freeTargetBits', () => {
  it('gives each row of a per-channel codebook its own entropy', () => {
    const perChannel: Codebook = {
      clusters: 2,
      rows: 2,
      centroids: Float32Array.from([-1, 1, -1, 1]),
      channelAxes: [1],
    };
    // Column 0: indices 0, 0, 0, 1 (0.81128 bits); column 1: 1, 1, 1, 1 (0 bits).
    const bits = codebookRowEntropies([4, 2], perChannel, [0, 1, 0, 1, 0, 1, 1, 1]);
    expect(bits[0]).toBeCloseTo(0.81128, 5);
    expect(bits[1]).toBe(0);
  });

  it('leaves the free elements what the zero symbol does not take', () => {
    // Half the row pinned: h(0.5) = 1 bit, so a row target of 1.5 leaves (1.5 − 1)/0.5 = 1 bit.
    expect(freeTargetBits(1.5, 0.5)).toBeCloseTo(1, 12);
    expect(freeTargetBits(1.5, 0)).toBe(1.5);
    expect(freeTargetBits(0.5, 0.5)).toBe(0);
    expect(freeTargetBits(2, 1)).toBe(0);
  });
});
