import { requantizeInt4Layer } from './int4-requantization';

const out = (scale: number, zeroPoint = 0) => ({ scale, zeroPoint, qmin: -128, qmax: 127 });

describe('requantizeInt4Layer (TFLite reference kernels: double rounding)', () => {
  it('rounds acc · M twice: acc 31 at M = 1/64 gives code 1 where one rounding gives 0', () => {
    // input scale 0.5 · filter scale 0.25 = 0.125 per accumulator unit; output scale 8 → M = 1/64
    // acc 31 → y = 3.875; SRDHM(31, 2^30) = round(15.5) = 16; RDBPOT(16, 5) = round(0.5) = 1
    const y = requantizeInt4Layer(Float32Array.of(31 * 0.125), 1, 0.5, [0.25], out(8));
    expect(Array.from(y)).toEqual([8]);
    // a float fake-quant would give round(3.875 / 8) = round(0.484) = 0
    expect(Math.round(3.875 / 8)).toBe(0);
  });

  it('agrees with one rounding away from the half-way cases, per channel, with zero point and clamp', () => {
    // channel 0: scale 0.125 → acc 40, M = 1/64 → 0.625 → 1; channel 1: scale 0.25 → acc −20,
    // M = 1/32 → −0.625 → −1; codes + zero point 3; 625 → acc 5000 → 5000/64 = 78.125 → 78
    const y = requantizeInt4Layer(Float32Array.of(5, -5, 625, 0), 2, 0.5, [0.25, 0.5], out(8, 3));
    expect(Array.from(y)).toEqual([8, -8, 78 * 8, 0]);
    // clamped to the output range
    const big = requantizeInt4Layer(Float32Array.of(1e4), 1, 0.5, [0.25], out(8, 0));
    expect(big[0]).toBe(127 * 8);
  });
});
