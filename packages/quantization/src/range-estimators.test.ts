import {
  MinMaxEstimator,
  MseEstimator,
  PercentileEstimator,
  StreamingHistogram,
  createRangeEstimator,
} from './range-estimators';
import { SqnrAccumulator, sqnrDb } from './sqnr';

function lcg(seed: number): () => number {
  let s = seed;
  return () => (s = (s * 1103515245 + 12345) % 2147483648) / 2147483648;
}

describe('range estimators', () => {
  it('minmax keeps global running extremes across batches and skips NaN', () => {
    const e = new MinMaxEstimator();
    e.observe([0.5, NaN, 2]);
    e.observe(new Float32Array([-1, 1]));
    expect(e.range()).toEqual({ min: -1, max: 2 });
    expect(e.count).toBe(4);
    expect(new MinMaxEstimator().range()).toEqual({ min: 0, max: 0 });
  });

  it('histogram keeps every count when its interval doubles', () => {
    const h = new StreamingHistogram(64);
    h.observe([0, 0.1, 0.2, -0.3]);
    h.observe([5, -7]);
    expect(h.count).toBe(6);
    expect(h.halfWidth).toBeGreaterThanOrEqual(7);
    expect(h.binCounts().reduce((a, b) => a + b, 0)).toBe(6);
    expect([h.min, h.max]).toEqual([-7, 5]);
    // quantiles stay ordered and inside the extremes
    expect(h.quantile(0)).toBeGreaterThanOrEqual(-7);
    expect(h.quantile(1)).toBe(5);
  });

  it('percentile clips the tails of a uniform distribution', () => {
    const rand = lcg(3);
    const e = new PercentileEstimator(99);
    for (let b = 0; b < 10; b++)
      e.observe(Float32Array.from({ length: 1000 }, () => rand() * 2 - 1));
    const r = e.range();
    expect(r.max).toBeGreaterThan(0.95);
    expect(r.max).toBeLessThan(0.99);
    expect(r.min).toBeLessThan(-0.95);
    expect(r.min).toBeGreaterThan(-0.99);
  });

  it('percentile of a one-sided distribution keeps min at the observed minimum', () => {
    const e = new PercentileEstimator(99.9);
    e.observe([0, 0, 1, 2, 3]);
    expect(e.range().min).toBe(0);
  });

  it('mse clips the long tails of a Laplace distribution at low bit widths', () => {
    const rand = lcg(5);
    const data = Float32Array.from(
      { length: 50000 },
      () => (rand() < 0.5 ? -1 : 1) * -Math.log(1 - rand()),
    );
    const mse = new MseEstimator(4);
    mse.observe(data);
    const r = mse.range();
    const mm = createRangeEstimator('minmax');
    mm.observe(data);
    const full = mm.range();
    expect(r.max).toBeLessThan(0.8 * full.max);
    expect(r.max).toBeGreaterThan(2);
    expect(r.min).toBeGreaterThan(0.8 * full.min);
    expect(mse.expectedError(r.min, r.max)).toBeLessThan(mse.expectedError(full.min, full.max));
  });

  it('mse keeps the full range when clipping costs more than rounding', () => {
    const mse = new MseEstimator(8);
    mse.observe(Float32Array.from({ length: 1000 }, (_, i) => i / 1000));
    expect(mse.range().max).toBeGreaterThan(0.97);
  });

  it('rejects unknown estimators with a typed error', () => {
    expect(() => createRangeEstimator('foo' as never)).toThrow(/unknown range estimator/);
  });
});

describe('SQNR', () => {
  it('is 10·log10(signal/noise)', () => {
    expect(sqnrDb([1, 2], [1, 2])).toBe(Infinity);
    // signal 1 + 4 = 5, noise 0.01 + 0.04 = 0.05 → 20 dB
    expect(sqnrDb([1, 2], [1.1, 1.8])).toBeCloseTo(20, 9);
    const acc = new SqnrAccumulator();
    acc.add([1], [1.1]);
    acc.add([2], [1.8]);
    expect(acc.value()).toBeCloseTo(20, 9);
    expect(acc.count).toBe(2);
  });
});
