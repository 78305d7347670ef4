import {
  constantSparsity,
  polynomialDecay,
  pruningSteps,
  scheduleFromConfig,
  shouldPruneAt,
} from './schedules';

describe('constantSparsity', () => {
  it('prunes at begin + k·frequency, step counted from 1', () => {
    const s = constantSparsity(0.5, 0, -1, 100);
    expect(s.at(1)).toEqual({ shouldPrune: false, sparsity: 0.5 });
    expect(s.at(100).shouldPrune).toBe(true);
    expect(s.at(150).shouldPrune).toBe(false);
    expect(s.at(200).shouldPrune).toBe(true);
    expect(s.at(1e6).shouldPrune).toBe(true); // end = −1: forever
    expect(pruningSteps(s, 350)).toEqual([100, 200, 300]);
  });
  it('honours begin and end', () => {
    const s = constantSparsity(0.8, 10, 30, 10);
    expect(pruningSteps(s, 100)).toEqual([10, 20, 30]);
    expect(s.at(5).shouldPrune).toBe(false);
    expect(Math.abs(s.at(5).sparsity - 0.8)).toBeLessThan(1e-7);
  });
  it('validates like TFMOT', () => {
    expect(() => constantSparsity(1)).toThrow(/\[0, 1\)/);
    expect(() => constantSparsity(0.5, -1)).toThrow(/beginStep/);
    expect(() => constantSparsity(0.5, 10, 5)).toThrow(/endStep/);
    expect(() => constantSparsity(0.5, 0, -1, 0)).toThrow(/frequency/);
  });
});

describe('polynomialDecay', () => {
  it('follows final + (initial − final)(1 − p)^power at chosen steps', () => {
    const s = polynomialDecay(0.5, 0.8, 0, 100, 3, 10);
    expect(s.at(0).sparsity).toBeCloseTo(0.5, 6);
    // p = 0.5 → 0.8 − 0.3·0.125 = 0.7625
    expect(s.at(50).sparsity).toBeCloseTo(0.7625, 6);
    // p = 0.1 → 0.8 − 0.3·0.729 = 0.5813
    expect(s.at(10).sparsity).toBeCloseTo(0.5813, 6);
    expect(s.at(100).sparsity).toBeCloseTo(0.8, 6);
    expect(s.at(500).sparsity).toBeCloseTo(0.8, 6); // clipped
    expect(s.at(50).shouldPrune).toBe(true);
    expect(s.at(55).shouldPrune).toBe(false);
    expect(s.at(110).shouldPrune).toBe(false); // after end
  });
  it('before begin the initial sparsity holds; power 1 is linear', () => {
    const s = polynomialDecay(0.2, 0.6, 100, 200, 1, 50);
    expect(s.at(50).sparsity).toBeCloseTo(0.2, 6);
    expect(s.at(150).sparsity).toBeCloseTo(0.4, 6);
    expect(pruningSteps(s, 1000)).toEqual([100, 150, 200]);
  });
  it('end == begin jumps to the final sparsity (no 0/0)', () => {
    const s = polynomialDecay(0.2, 0.6, 10, 10, 3, 1);
    expect(s.at(9).sparsity).toBeCloseTo(0.2, 6);
    expect(s.at(10).sparsity).toBeCloseTo(0.6, 6);
  });
  it('requires an end step', () => {
    expect(() => polynomialDecay(0.2, 0.6, 0, -1)).toThrow(/endStep/);
  });
  it('round-trips its config', () => {
    const s = scheduleFromConfig(polynomialDecay(0.2, 0.6, 0, 10, 2, 5).config);
    expect(s.at(5).sparsity).toBeCloseTo(0.6 - 0.4 * 0.25, 6);
    expect(shouldPruneAt(5, 0, 10, 5)).toBe(true);
  });
});
