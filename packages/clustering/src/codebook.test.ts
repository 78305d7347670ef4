import { checkCodebook, countNonZeros, countUnique, createRng, floatTensor } from '@collabopt/core';
import { splitZeroCentroidCounts, type ClusterOptions } from './codebook';
import { clusterWeight } from './cluster-weight';

const base = (over: Partial<ClusterOptions> = {}): ClusterOptions => ({
  clusters: 4,
  init: 'linear',
  perChannel: false,
  preserveSparsity: false,
  kmeansIterations: 100,
  rng: createRng(0),
  ...over,
});

function randomWeights(size: number, seed: number, sparsity = 0): Float32Array {
  const rng = createRng(seed);
  return Float32Array.from({ length: size }, () =>
    rng.next() < sparsity ? 0 : rng.normal() * 0.1,
  );
}

describe('clusterWeight', () => {
  it('per tensor: every element takes one of ≤ k centroid values and the annotation checks', () => {
    const shape = [3, 3, 4, 8];
    const data = randomWeights(288, 1);
    const r = clusterWeight(data, shape, base({ clusters: 16, init: 'kmeans++' }));
    expect(countUnique(r.values)).toBeLessThanOrEqual(16);
    expect(checkCodebook(floatTensor(shape, r.values), r.annotation)).toEqual({ ok: true });
    expect(r.annotation.indices).toBeInstanceOf(Uint8Array);
    expect(r.annotation.channelAxes).toBeUndefined();
    expect(data[0]).not.toBe(r.values[0]); // input untouched
  });

  it('per channel: one codebook per output channel (hand-computed)', () => {
    // Conv kernel [1,1,3,2], channel axis 3: channel 0 = [0, 1, 10], channel 1 = [-4, -5, 6].
    const shape = [1, 1, 3, 2];
    const data = Float32Array.from([0, -4, 1, -5, 10, 6]);
    const r = clusterWeight(data, shape, base({ clusters: 2, perChannel: true, channelAxes: [3] }));
    // Linear init per channel: [0, 10] → k-means: {0,1} → 0.5, {10}; [-5, 6] → {-5,-4} → -4.5, {6}.
    expect(Array.from(r.plan.centroids)).toEqual([0.5, 10, -4.5, 6]);
    expect(Array.from(r.values)).toEqual([0.5, -4.5, 0.5, -4.5, 10, 6]);
    expect(Array.from(r.annotation.indices)).toEqual([0, 0, 0, 0, 1, 1]);
    expect(r.annotation.channelAxes).toEqual([3]);
    expect(checkCodebook(floatTensor(shape, r.values), r.annotation)).toEqual({ ok: true });
  });

  it('channels with fewer distinct values than clusters keep their exact values and are reported', () => {
    const shape = [4, 2]; // Dense [in, out], channel axis 1
    const data = Float32Array.from([1, 0.1, 1, 0.2, 2, 0.3, 2, 0.4]);
    const r = clusterWeight(data, shape, base({ clusters: 3, perChannel: true, channelAxes: [1] }));
    expect(r.plan.fewDistinctRows).toEqual([0]);
    expect(Array.from(r.plan.centroids.subarray(0, 3))).toEqual([1, 2, 2]);
    const ch0 = [0, 2, 4, 6].map((i) => r.values[i]);
    expect(ch0).toEqual([1, 1, 2, 2]);
    expect(new Set([1, 3, 5, 7].map((i) => r.values[i])).size).toBe(3);
  });

  it('sparsity preserving: zero centroid exactly 0, zero count unchanged, non-zeros stay non-zero', () => {
    const shape = [5, 5, 16, 32];
    const data = randomWeights(5 * 5 * 16 * 32, 2, 0.5);
    for (const init of ['linear', 'random', 'density', 'kmeans++'] as const) {
      for (const perChannel of [false, true]) {
        const r = clusterWeight(
          data,
          shape,
          base({ clusters: 8, init, perChannel, channelAxes: [3], preserveSparsity: true }),
        );
        expect(countNonZeros(r.values)).toBe(countNonZeros(data));
        let patternChanges = 0;
        for (let i = 0; i < data.length; i++)
          if ((r.values[i] === 0) !== (data[i] === 0)) patternChanges++;
        expect(patternChanges).toBe(0);
        const zc = r.annotation.zeroCentroid!;
        expect(zc).toHaveLength(perChannel ? 32 : 1);
        zc.forEach((z, row) => expect(r.plan.centroids[row * 8 + z]).toBe(0));
        expect(checkCodebook(floatTensor(shape, r.values), r.annotation)).toEqual({ ok: true });
        expect(countUnique(r.values)).toBeLessThanOrEqual(perChannel ? 8 * 32 : 8);
      }
    }
  });

  it('sparsity preserving: a frozen mask pins those elements at 0', () => {
    const data = Float32Array.from([0.5, -0.5, 0.25, 0, 1, -1]);
    const frozen = Uint8Array.from([1, 1, 0, 1, 1, 1]);
    const r = clusterWeight(data, [6], base({ clusters: 3, preserveSparsity: true, frozen }));
    expect(r.values[2]).toBe(0);
    expect(r.values[3]).toBe(0);
    expect(countNonZeros(r.values)).toBe(4);
  });

  it('rejects bad options with typed errors', () => {
    const data = randomWeights(10, 3);
    expect(() => clusterWeight(data, [10], base({ clusters: 1 }))).toThrow(
      /clusters must be an integer/,
    );
    expect(() => clusterWeight(data, [10], base({ clusters: 2, preserveSparsity: true }))).toThrow(
      /at least 3 clusters/,
    );
    expect(() => clusterWeight(data, [10], base({ perChannel: true }))).toThrow(/channel axes/);
  });
});

describe('splitZeroCentroidCounts', () => {
  it('follows k_neg = round((k−1)·n_neg/(n_neg+n_pos))', () => {
    expect(splitZeroCentroidCounts(8, 30, 70)).toEqual([2, 5]); // 7·0.3 = 2.1
    expect(splitZeroCentroidCounts(8, 50, 50)).toEqual([4, 3]); // 3.5 rounds half to even → 4
    expect(splitZeroCentroidCounts(6, 50, 50)).toEqual([2, 3]); // 2.5 → 2
    expect(splitZeroCentroidCounts(16, 0, 10)).toEqual([0, 15]);
  });
  it('gives a non-empty side at least one centroid and no side more than its distinct values', () => {
    expect(splitZeroCentroidCounts(8, 1, 99)).toEqual([1, 6]); // formula would give 0 negatives
    expect(splitZeroCentroidCounts(8, 50, 50, 2, 100)).toEqual([2, 5]);
  });
});
