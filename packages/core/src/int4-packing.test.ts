import { packInt4, unpackInt4, unpackUint4 } from './int4-packing';

describe('int4 packing', () => {
  it('puts element 2i in the low nibble and 2i + 1 in the high nibble, two’s complement', () => {
    // 1 → 0x1, −1 → 0xF, 7 → 0x7, −8 → 0x8
    expect(Array.from(packInt4(Int8Array.of(1, -1, 7, -8)))).toEqual([0xf1, 0x87]);
    expect(Array.from(packInt4(Int8Array.of(0, 0, -7, 3)))).toEqual([0x00, 0x39]);
  });

  it('gives an odd last element its own byte with a zero high nibble', () => {
    expect(Array.from(packInt4(Int8Array.of(-2, 5, -3)))).toEqual([0x5e, 0x0d]);
    expect(Array.from(packInt4(Int8Array.of(-1)))).toEqual([0x0f]);
    expect(packInt4(new Int8Array(0)).length).toBe(0);
  });

  it('round-trips every value and odd lengths, and per-channel data in TFLite layout order', () => {
    const all = Int8Array.from({ length: 33 }, (_, i) => (i % 16) - 8);
    expect(Array.from(unpackInt4(packInt4(all), all.length))).toEqual(Array.from(all));
    // [cout = 3, k = 3] filter, each channel on its own scale: packing runs over the flat data
    const perChannel = Int8Array.of(-7, 0, 7, 1, -1, 2, -8, 3, -4);
    const packed = packInt4(perChannel);
    expect(packed.length).toBe(5);
    expect(Array.from(unpackInt4(packed, 9))).toEqual(Array.from(perChannel));
    expect(Array.from(packed)).toEqual([0x09, 0x17, 0x2f, 0x38, 0x0c]);
  });

  it('refuses values outside [−8, 7] and short buffers', () => {
    expect(() => packInt4(Int8Array.of(0, 8))).toThrow(RangeError);
    expect(() => packInt4(Int8Array.of(-9))).toThrow(/outside int4/);
    expect(() => unpackInt4(Uint8Array.of(0), 3)).toThrow(RangeError);
  });

  it('unpacks hand-packed bytes: negatives sign-extended, uint4 not, odd count ignores the last high nibble', () => {
    // 0xf1 → 1, −1; 0x87 → 7, −8; 0xa9 → −7 (the high nibble 0xa is padding for count 5)
    expect(Array.from(unpackInt4(Uint8Array.of(0xf1, 0x87, 0xa9), 5))).toEqual([1, -1, 7, -8, -7]);
    expect(Array.from(unpackUint4(Uint8Array.of(0xf1, 0x87, 0xa9), 5))).toEqual([1, 15, 7, 8, 9]);
    expect(Array.from(unpackUint4(Uint8Array.of(0x0f), 1))).toEqual([15]);
    expect(() => unpackUint4(Uint8Array.of(0), 3)).toThrow(/fewer than 3 4-bit values/);
  });
});
