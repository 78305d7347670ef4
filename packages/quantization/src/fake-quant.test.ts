import {
  fakeQuantGradientMask,
  fakeQuantWithMinMax,
  quantizeDequantize,
  quantizeDequantizePerChannel,
} from './fake-quant';
import { asymmetricParams, symmetricParams } from './quant-params';

describe('fake quantization forward', () => {
  it('matches hand-computed values for [−3, 5] (scale 8/255, zero point 96)', () => {
    const s = 8 / 255;
    const nmin = -96 * s;
    const y = fakeQuantWithMinMax([-4, -1, 0, 0.3, 1.01, 6], -3, 5);
    // −4 clamps to nudged min; −1 → 64.125 steps → 64; 0 → 96 steps; 0.3 → 105.5625 → 106; 1.01 → 128.19 → 128; 6 → nudged max
    const expected = [0, 64, 96, 106, 128, 255].map((k) => k * s + nmin);
    y.forEach((v, i) => expect(v).toBeCloseTo(expected[i]!, 5));
    expect(y[2]).toBeCloseTo(0, 6);
  });

  it('symmetric narrow-range weights land on {−127..127}·m/127', () => {
    const y = fakeQuantWithMinMax([-1, -0.5, 0.004, 0.999], -1, 1, 8, true);
    const s = 1 / 127;
    expect(y[0]).toBeCloseTo(-1, 6);
    expect(y[1]).toBeCloseTo(-63 * s, 6); // 63.5 steps above −1 → floor(63.5 + 0.5) = 64 → −1 + 64·s (ties go up)
    expect(y[2]).toBeCloseTo(1 * s, 6);
    expect(y[3]).toBeCloseTo(127 * s, 6);
  });

  it('quantize-dequantize with signed parameters equals QUANTIZE + DEQUANTIZE', () => {
    const p = asymmetricParams(-2, 6); // scale 8/255, zp −64
    const y = quantizeDequantize([0, 1, -2.5, 7], p);
    expect(y[0]).toBe(0);
    expect(y[1]).toBeCloseTo(Math.round(1 / p.scale) * p.scale, 7);
    expect(y[2]).toBeCloseTo((-128 + 64) * p.scale, 6);
    expect(y[3]).toBeCloseTo((127 + 64) * p.scale, 6);
  });

  it('quantizes per channel', () => {
    const y = quantizeDequantizePerChannel(
      [0.5, 0.011, -1.27, -0.02],
      [2, 2],
      [1],
      [symmetricParams(1.27), symmetricParams(0.02)],
    );
    expect(y[0]).toBeCloseTo(0.5, 6);
    expect(y[1]).toBeCloseTo((70 * 0.02) / 127, 7);
    expect(y[2]).toBeCloseTo(-1.27, 6);
    expect(y[3]).toBeCloseTo(-0.02, 7);
  });
});

describe('fake quantization gradient (straight-through with clipping)', () => {
  it('passes the gradient inside the nudged range and blocks it outside', () => {
    expect(Array.from(fakeQuantGradientMask([-4, -3, 0, 4.98, 4.99], -3, 5))).toEqual([
      0, 1, 1, 1, 0,
    ]); // nudged max = 159·8/255 = 4.988
  });
});
