import {
  INT32_MAX,
  INT32_MIN,
  activationRangeQuantized,
  frexp,
  multiplyByQuantizedMultiplier,
  multiplyByQuantizedMultiplierSingleRounding,
  quantizeMultiplier,
  requantize,
  roundingDivideByPOT,
  saturatingRoundingDoublingHighMul,
} from './multiplier';

describe('QuantizeMultiplier (spec §5.5)', () => {
  it('splits multipliers into a Q31 mantissa and a shift', () => {
    expect(quantizeMultiplier(0.5)).toEqual({ multiplier: 2 ** 30, shift: 0 });
    expect(quantizeMultiplier(1)).toEqual({ multiplier: 2 ** 30, shift: 1 });
    expect(quantizeMultiplier(0.75)).toEqual({ multiplier: 1610612736, shift: 0 });
    // 0.001 = 0.512 · 2^−9; 0.512 · 2^31 = 1099511627.776 → 1099511628
    expect(quantizeMultiplier(0.001)).toEqual({ multiplier: 1099511628, shift: -9 });
    expect(quantizeMultiplier(0)).toEqual({ multiplier: 0, shift: 0 });
  });

  it('carries a mantissa that rounds up to 2^31 into the shift', () => {
    expect(quantizeMultiplier(1 - 2 ** -40)).toEqual({ multiplier: 2 ** 30, shift: 1 });
  });

  it('flushes multipliers below 2^−32 to zero', () => {
    expect(quantizeMultiplier(2 ** -40)).toEqual({ multiplier: 0, shift: 0 });
  });

  it('frexp is exact at powers of two', () => {
    expect(frexp(8)).toEqual({ mantissa: 0.5, exponent: 4 });
    expect(frexp(0.25)).toEqual({ mantissa: 0.5, exponent: -1 });
  });
});

describe('fixed-point multiplication', () => {
  it('SRDHM rounds the doubled high product and saturates MIN·MIN', () => {
    expect(saturatingRoundingDoublingHighMul(1000, 2 ** 30)).toBe(500);
    expect(saturatingRoundingDoublingHighMul(1001, 2 ** 30)).toBe(501); // 500.5 → 501
    expect(saturatingRoundingDoublingHighMul(-1001, 2 ** 30)).toBe(-500); // nudge 1 − 2^30, truncation
    expect(saturatingRoundingDoublingHighMul(INT32_MIN, INT32_MIN)).toBe(INT32_MAX);
    expect(saturatingRoundingDoublingHighMul(INT32_MAX, INT32_MAX)).toBe(2147483646);
  });

  it('SRDHM equals the 64-bit definition (BigInt) on edge and spread int32 pairs', () => {
    const bigIntSrdhm = (a: number, b: number): number => {
      if (a === INT32_MIN && b === INT32_MIN) return INT32_MAX;
      const ab = BigInt(a) * BigInt(b);
      const nudge = ab >= 0n ? 1n << 30n : 1n - (1n << 30n);
      return Number((ab + nudge) / (1n << 31n));
    };
    const edges = [
      0,
      1,
      -1,
      2,
      -2,
      65535,
      65536,
      -65536,
      -65537,
      2 ** 30,
      -(2 ** 30),
      INT32_MAX,
      INT32_MIN,
      INT32_MIN + 1,
    ];
    const values = [...edges];
    // a fixed linear congruential sequence: reproducible, covers every sign and magnitude
    let s = 12345;
    for (let i = 0; i < 400; i++) {
      s = (Math.imul(s, 1103515245) + 12345) | 0;
      values.push(i % 3 === 0 ? s >> (i % 31) : s);
    }
    for (const a of values)
      for (const b of values.slice(0, 60))
        expect([a, b, saturatingRoundingDoublingHighMul(a, b)]).toEqual([a, b, bigIntSrdhm(a, b)]);
  });

  it('RDBPOT rounds to nearest with ties away from zero', () => {
    expect(roundingDivideByPOT(6, 2)).toBe(2); // 1.5
    expect(roundingDivideByPOT(5, 2)).toBe(1); // 1.25
    expect(roundingDivideByPOT(-6, 2)).toBe(-2); // −1.5
    expect(roundingDivideByPOT(-5, 2)).toBe(-1); // −1.25
    expect(roundingDivideByPOT(-7, 2)).toBe(-2); // −1.75
    expect(roundingDivideByPOT(7, 0)).toBe(7);
  });

  it('MultiplyByQuantizedMultiplier matches hand-computed results', () => {
    // 100 · 0.75 / 4 = 18.75 → 19
    expect(multiplyByQuantizedMultiplier(100, 1610612736, -2)).toBe(19);
    expect(multiplyByQuantizedMultiplierSingleRounding(100, 1610612736, -2)).toBe(19);
    // 100 · 0.75 · 2 = 150 (left shift)
    expect(multiplyByQuantizedMultiplier(100, 1610612736, 1)).toBe(150);
    const m = quantizeMultiplier(0.001);
    expect(multiplyByQuantizedMultiplier(123456, m.multiplier, m.shift)).toBe(123);
    expect(multiplyByQuantizedMultiplier(-123556, m.multiplier, m.shift)).toBe(-124);
  });

  it('agrees with real arithmetic within one unit over many random cases', () => {
    let seed = 7;
    const rand = (): number => (seed = (seed * 1103515245 + 12345) % 2147483648) / 2147483648;
    for (let i = 0; i < 2000; i++) {
      const real = 1e-4 + rand() * 0.9;
      const x = Math.round((rand() - 0.5) * 2e6);
      const m = quantizeMultiplier(real);
      const got = multiplyByQuantizedMultiplier(x, m.multiplier, m.shift);
      expect(Math.abs(got - x * real)).toBeLessThanOrEqual(1);
    }
  });

  it('requantizes with the output zero point and the fused activation clamp', () => {
    const m = quantizeMultiplier(0.5);
    expect(requantize(100, m, -10, -128, 127)).toBe(40);
    expect(requantize(-1000, m, -10, -128, 127)).toBe(-128);
    // relu on scale 0.1, zp −128; relu6 clamps at zp + round(6/0.1) = −68
    expect(activationRangeQuantized('relu', 0.1, -128)).toEqual([-128, 127]);
    expect(activationRangeQuantized('relu', 0.1, 5)).toEqual([5, 127]);
    expect(activationRangeQuantized('relu6', 0.1, -128)).toEqual([-128, -68]);
    expect(activationRangeQuantized('linear', 0.1, 0)).toEqual([-128, 127]);
  });
});
