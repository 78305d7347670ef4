import {
  float16BitsToFloat32,
  float32ToFloat16Bits,
  fromFloat16Array,
  toFloat16Array,
} from './float16';
import { InvalidArgumentError } from './errors';
import { reshapeTensor, sizeOf, stridesOf, tensor, transposeTensor } from './tensor';

describe('tensor', () => {
  it('checks that data matches the shape', () => {
    expect(() => tensor('float32', [2, 3], [1, 2, 3])).toThrow(InvalidArgumentError);
    expect(tensor('int32', [2], [7, 8]).data).toEqual(new Int32Array([7, 8]));
    expect(tensor('int64', [2], [1, -2]).data).toEqual(new BigInt64Array([1n, -2n]));
    expect(sizeOf([])).toBe(1);
    expect(() => sizeOf([-1, 3])).toThrow(/not fully known/);
  });

  it('computes row-major strides', () => {
    expect(stridesOf([2, 3, 4])).toEqual([12, 4, 1]);
  });

  it('transposes like numpy', () => {
    // [[0,1,2],[3,4,5]] transposed
    const t = tensor('float32', [2, 3], [0, 1, 2, 3, 4, 5]);
    const tt = transposeTensor(t, [1, 0]);
    expect(tt.shape).toEqual([3, 2]);
    expect([...tt.data]).toEqual([0, 3, 1, 4, 2, 5]);
    // Keras conv kernel [kh,kw,cin,cout] = [1,2,1,2] → TFLite OHWI (perm 3,0,1,2)
    const k = tensor('float32', [1, 2, 1, 2], [10, 11, 20, 21]);
    const ohwi = transposeTensor(k, [3, 0, 1, 2]);
    expect(ohwi.shape).toEqual([2, 1, 2, 1]);
    expect([...ohwi.data]).toEqual([10, 20, 11, 21]);
    expect(() => transposeTensor(t, [0, 0])).toThrow(/permutation/);
  });

  it('reshapes only to equal sizes', () => {
    const t = tensor('float32', [2, 3]);
    expect(reshapeTensor(t, [3, 2]).shape).toEqual([3, 2]);
    expect(() => reshapeTensor(t, [4, 2])).toThrow(InvalidArgumentError);
  });
});

describe('float16', () => {
  it('encodes known values exactly', () => {
    expect(float32ToFloat16Bits(1)).toBe(0x3c00);
    expect(float32ToFloat16Bits(-2)).toBe(0xc000);
    expect(float32ToFloat16Bits(65504)).toBe(0x7bff);
    expect(float32ToFloat16Bits(1e6)).toBe(0x7c00); // overflow → +inf
    expect(float32ToFloat16Bits(2 ** -24)).toBe(0x0001); // smallest subnormal
    expect(float32ToFloat16Bits(0.1)).toBe(0x2e66);
    expect(float16BitsToFloat32(0x2e66)).toBeCloseTo(0.0999755859375, 12);
  });

  it('rounds to nearest even', () => {
    // 1 + 2^-11 lies halfway between 1 and 1 + 2^-10: ties to even → 1
    expect(float32ToFloat16Bits(1 + 2 ** -11)).toBe(0x3c00);
    // 1 + 3·2^-11 lies halfway between 1+2^-10 (odd) and 1+2^-9 (even) → even
    expect(float32ToFloat16Bits(1 + 3 * 2 ** -11)).toBe(0x3c02);
  });

  it('round-trips arrays', () => {
    const v = [0, -0.5, 3.140625, 1024, -65504];
    expect([...fromFloat16Array(toFloat16Array(v))]).toEqual(v);
  });
});
