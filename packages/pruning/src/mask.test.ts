import { applyMask, keepCount, kthLargest, magnitudeMask, maskSparsity } from './mask';
import { roundHalfToEven } from '@collabopt/core';

describe('keepCount', () => {
  it('keeps round(N·(1−s)) elements, at least one', () => {
    expect(keepCount(10, 0.5)).toBe(5);
    expect(keepCount(10, 0.8)).toBe(2);
    expect(keepCount(10, 0.99)).toBe(1); // round(0.1) = 0 → at least one
    expect(keepCount(10, 0)).toBe(10);
    expect(keepCount(1, 0.9)).toBe(1);
  });
  it('rounds exact halves to even as tf.math.round does', () => {
    expect(keepCount(9, 0.5)).toBe(4); // 4.5 → 4
    expect(keepCount(11, 0.5)).toBe(6); // 5.5 → 6
    expect(roundHalfToEven(2.5)).toBe(2);
    expect(roundHalfToEven(3.5)).toBe(4);
    expect(roundHalfToEven(2.4)).toBe(2);
  });
  it('rejects sparsity outside [0, 1)', () => {
    expect(() => keepCount(10, 1)).toThrow(/sparsity must be in \[0, 1\)/);
    expect(() => keepCount(10, -0.1)).toThrow(/\[0, 1\)/);
    expect(() => keepCount(10, Number.NaN)).toThrow();
  });
});

describe('magnitudeMask', () => {
  it('keeps the k largest magnitudes (hand-computed)', () => {
    const w = [0.1, -0.5, 0.3, -0.05, 0.9, 0.2];
    // s = 0.5 → k = 3 → keep |−0.5|, 0.3, 0.9; threshold 0.3
    const r = magnitudeMask(w, 0.5);
    expect([...r.mask]).toEqual([0, 1, 1, 0, 1, 0]);
    expect(r.threshold).toBeCloseTo(0.3, 6);
    expect(maskSparsity(r.mask)).toBe(0.5);
  });
  it('keeps every element tied at the threshold (sparsity below target)', () => {
    const w = [1, -2, 2, 2, 0.5, 3];
    // s = 0.5 → k = 3 → threshold = 3rd largest = 2; the three 2s tie → 4 kept
    const r = magnitudeMask(w, 0.5);
    expect([...r.mask]).toEqual([0, 1, 1, 1, 0, 1]);
    expect(maskSparsity(r.mask)).toBeCloseTo(2 / 6, 10);
  });
  it('keeps at least one weight even at 99.9% sparsity', () => {
    const r = magnitudeMask([0.1, -0.4, 0.2], 0.999);
    expect([...r.mask]).toEqual([0, 1, 0]);
  });
  it('keeps all zeros when the threshold is zero (ties)', () => {
    const r = magnitudeMask([0, 0, 0, 1], 0.25);
    // k = 3 → threshold = 0 → all |w| ≥ 0 are kept
    expect([...r.mask]).toEqual([1, 1, 1, 1]);
  });
  it('rejects NaN weights with the element index', () => {
    expect(() => magnitudeMask([0.1, Number.NaN], 0.5)).toThrow(/element 1/);
  });
  it('handles empty weights', () => {
    expect(magnitudeMask([], 0.5).mask.length).toBe(0);
  });
});

describe('helpers', () => {
  it('kthLargest', () => {
    expect(kthLargest(Float32Array.from([3, 1, 2]), 1)).toBe(3);
    expect(kthLargest(Float32Array.from([3, 1, 2]), 3)).toBe(1);
    expect(() => kthLargest(Float32Array.from([1]), 2)).toThrow();
  });
  it('applyMask zeroes pruned entries', () => {
    expect([...applyMask([1, -2, 3], Uint8Array.from([1, 0, 1]))]).toEqual([1, 0, 3]);
    expect(() => applyMask([1], Uint8Array.from([1, 0]))).toThrow(/mask has 2 entries/);
  });
});
