import { InvalidArgumentError } from './errors';
import {
  decodeFromGrid,
  decodeTensor,
  encodeOnGrid,
  encodeTensor,
  gridOf,
  roundHalfAwayFromZero,
  roundHalfToEven,
  snapTensorToGrid,
} from './quant-grid';

describe('quantization grid', () => {
  it('rounds halves to even by default, away from zero on request', () => {
    expect([2.5, 3.5, -2.5, 0.5, 1.4, -1.6].map(roundHalfToEven)).toEqual([2, 4, -2, 0, 1, -2]);
    expect([2.5, 3.5, -2.5, 0.5, 1.4].map(roundHalfAwayFromZero)).toEqual([3, 4, -3, 1, 1]);
  });

  it('encodes round(x/s)+zp clamped, and decodes s·(q−zp)', () => {
    // s = 0.5, zp = −10: 1.25/0.5 = 2.5 → 2 (even) − 10 = −8
    expect(encodeOnGrid(1.25, 0.5, -10, -128, 127)).toBe(-8);
    expect(encodeOnGrid(1.25, 0.5, -10, -128, 127, roundHalfAwayFromZero)).toBe(-7);
    expect(encodeOnGrid(1000, 0.5, 0, -127, 127)).toBe(127);
    expect(encodeOnGrid(-1000, 0.5, 0, -127, 127)).toBe(-127);
    expect(encodeOnGrid(3, 0, 5, -128, 127)).toBe(5); // all-zero channel
    expect(decodeFromGrid(-8, 0.5, -10)).toBe(1);
    expect(decodeFromGrid(3, 0.25)).toBe(0.75);
  });

  it('encodes and decodes per channel along the annotation axes', () => {
    // shape [2, 3], channels along axis 1: scales 0.1, 0.2, 0.5
    const ann = {
      dtype: 'int8' as const,
      scale: Float32Array.of(0.1, 0.2, 0.5),
      zeroPoint: Int32Array.of(0, 0, 0),
      channelAxes: [1],
      bits: 8,
      narrowRange: true,
    };
    const data = Float32Array.of(0.3, 0.4, 1.5, -0.1, 100, -0.25);
    const q = encodeTensor(data, [2, 3], gridOf(ann), new Int8Array(6));
    // -0.25 / 0.5 = -0.5 → -0 (even); 100 / 0.2 = 500 → clamped to 127
    expect(Array.from(q)).toEqual([3, 2, 3, -1, 127, 0]);
    const back = decodeTensor(q, [2, 3], ann, new Float32Array(6));
    expect(Array.from(back)).toEqual([0.3, 0.4, 1.5, -0.1, 25.4, 0].map((v) => Math.fround(v)));
    const snapped = snapTensorToGrid(
      Float32Array.of(0.31, 0.44, 1.6, -0.12, 0, 0.2),
      [2, 3],
      gridOf(ann),
    );
    expect(Array.from(snapped)).toEqual(Array.from(Float32Array.of(0.3, 0.4, 1.5, -0.1, 0, 0)));
  });

  it('rejects several scales without channel axes, or a channel count mismatch', () => {
    const grid = { scale: [1, 2], qmin: -127, qmax: 127 };
    expect(() => encodeTensor([1, 2], [2], grid, new Int8Array(2))).toThrow(InvalidArgumentError);
    expect(() =>
      encodeTensor([1, 2, 3], [3], { ...grid, channelAxes: [0] }, new Int8Array(3)),
    ).toThrow(/2 scales over 3 channels/);
  });
});
