import {
  asymmetricParams,
  nudgeRange,
  paramsFromNudged,
  quantizeValue,
  dequantizeValue,
  symmetricParams,
  signedRange,
} from './quant-params';
import { roundHalfAwayFromZero, roundHalfToEven } from '@collabopt/core';

describe('rounding', () => {
  it('rounds halves away from zero like std::round', () => {
    expect([2.5, -2.5, 0.5, -0.5, 1.4, -1.6].map(roundHalfAwayFromZero)).toEqual([
      3, -3, 1, -1, 1, -2,
    ]);
  });
  it('rounds halves to even like tf.round', () => {
    expect([2.5, 3.5, -2.5, 0.5, 1.4].map(roundHalfToEven)).toEqual([2, 4, -2, 0, 1]);
  });
});

describe('fake_quant nudging (spec §3.4)', () => {
  it('nudges an asymmetric [-1, 1] 8-bit range in float32: scale 2/255, zero point 127', () => {
    // float32(2/255) = 0.0078431377 is slightly above 2/255, so 1/scale = 127.4999924 (not 127.5) → 127.
    const n = nudgeRange(-1, 1, 8, false);
    expect(n.scale).toBe(Math.fround(2 / 255));
    expect(n.zeroPoint).toBe(127);
    expect(n.nudgedMin).toBeCloseTo(-127 * (2 / 255), 6);
    expect(n.nudgedMax).toBeCloseTo(128 * (2 / 255), 6);
  });

  it('nudges [0, 6] to zero point 0 and [−3, 5] with a rounded zero point', () => {
    expect(nudgeRange(0, 6).zeroPoint).toBe(0);
    // scale = 8/255 = 0.0313725; 3/scale = 95.625 → 96; nudged = [−96·s, 159·s]
    const n = nudgeRange(-3, 5);
    expect(n.zeroPoint).toBe(96);
    expect(n.nudgedMin).toBeCloseTo(-96 * (8 / 255), 5);
    expect(n.nudgedMax).toBeCloseTo(159 * (8 / 255), 5);
  });

  it('symmetric narrow range [-6, 6] is exact: scale 6/127, zero point 128 (0 in int8 space)', () => {
    const n = nudgeRange(-6, 6, 8, true);
    expect(n.qmin).toBe(1);
    expect(n.scale).toBeCloseTo(6 / 127, 7);
    expect(n.zeroPoint).toBe(128);
    expect(n.nudgedMin).toBeCloseTo(-6, 5);
    expect(n.nudgedMax).toBeCloseTo(6, 5);
    const p = paramsFromNudged(n, 8);
    expect([p.zeroPoint, p.qmin, p.qmax]).toEqual([0, -127, 127]);
  });

  it('clamps the zero point when the range does not straddle zero', () => {
    const n = nudgeRange(0.5, 2, 8, false);
    expect(n.zeroPoint).toBe(0);
    expect(n.nudgedMin).toBe(0);
    expect(n.nudgedMax).toBeCloseTo(1.5, 6);
  });

  it('rejects an empty range', () => {
    expect(() => nudgeRange(0, 0)).toThrow(/empty/);
  });
});

describe('TFLite activation and weight parameters (spec §5.3)', () => {
  it('computes int8 asymmetric scale and zero point', () => {
    const p = asymmetricParams(-2, 6);
    expect(p.scale).toBeCloseTo(8 / 255, 8); // 0.0313725...
    expect(p.zeroPoint).toBe(-64); // −128 + 63.75 → −64.25 → −64
    expect([p.qmin, p.qmax]).toEqual([-128, 127]);
  });

  it('widens a positive range to include 0 (relu output: zero point −128)', () => {
    const p = asymmetricParams(0.5, 6);
    expect(p.scale).toBeCloseTo(6 / 255, 8);
    expect(p.zeroPoint).toBe(-128);
  });

  it('gives a usable scale for a constant-zero range', () => {
    const p = asymmetricParams(0, 0);
    expect(p.scale).toBeGreaterThan(0);
    expect(dequantizeValue(quantizeValue(0, p), p)).toBe(0);
  });

  it('computes symmetric narrow-range weight scales', () => {
    const p = symmetricParams(1.27);
    expect(p.scale).toBeCloseTo(0.01, 8);
    expect([p.zeroPoint, p.qmin, p.qmax]).toEqual([0, -127, 127]);
    expect(signedRange(16)).toEqual([-32768, 32767]);
    expect(symmetricParams(0).scale).toBeCloseTo(1 / 127, 8);
  });

  it('quantizes and dequantizes values on the grid', () => {
    const p = asymmetricParams(-2, 6);
    expect(quantizeValue(0, p)).toBe(-64);
    expect(quantizeValue(100, p)).toBe(127);
    expect(quantizeValue(-100, p)).toBe(-128);
    expect(dequantizeValue(-64, p)).toBe(0);
  });
});
