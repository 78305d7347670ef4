import { ONNX_DTYPE } from '../proto/types';
import { int4TensorProto } from './int4-initializer';

describe('int4TensorProto (ONNX INT4 raw data)', () => {
  it('packs two values per byte, first in the low nibble, negatives in two’s complement', () => {
    // [1, −1] → 0xF1; [−8, 7] → 0x78; odd last value 3 → 0x03
    const p = int4TensorProto('w', [5], Int8Array.of(1, -1, -8, 7, 3));
    expect(p.dataType).toBe(ONNX_DTYPE.INT4);
    expect(p.dims).toEqual([5]);
    expect(Array.from(p.rawData!)).toEqual([0xf1, 0x78, 0x03]);
  });

  it('keeps the shape of a per-channel kernel and packs its flat data, and refuses values outside −8..7', () => {
    const p = int4TensorProto('k', [2, 1, 1, 3], Int8Array.of(0, 1, 2, -3, -2, -1));
    expect(p.dims).toEqual([2, 1, 1, 3]);
    expect(Array.from(p.rawData!)).toEqual([0x10, 0xd2, 0xfe]);
    expect(() => int4TensorProto('bad', [1], Int8Array.of(8))).toThrow(/outside int4/);
  });
});
