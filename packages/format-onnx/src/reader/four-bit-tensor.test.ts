import { CollaboptError } from '@collabopt/core';
import { ONNX_DTYPE } from '../proto/types';
import { fourBitConst } from './four-bit-tensor';

describe('ONNX INT4 / UINT4 tensors', () => {
  it('unpacks raw_data low nibble first, sign-extending INT4, with an odd element count', () => {
    // 0xf1 → 1, −1; 0x87 → 7, −8; 0x09 → −7 (high nibble unused for 5 elements)
    const c = fourBitConst(
      { name: 'w', dims: [5], dataType: ONNX_DTYPE.INT4, rawData: Uint8Array.of(0xf1, 0x87, 0x09) },
      {},
    );
    expect(c).toEqual({
      dtype: 'int8',
      shape: [5],
      values: Float64Array.of(1, -1, 7, -8, -7),
      bits: 4,
    });
  });

  it('reads UINT4 as 0..15 and int32_data holding one packed byte per entry (two elements)', () => {
    // what onnx.helper.make_tensor('x', UINT4, [3], [1, 15, 9]) writes: int32_data [241, 9]
    const u = fourBitConst(
      { name: 'u', dims: [3], dataType: ONNX_DTYPE.UINT4, int32Data: [241, 9] },
      {},
    );
    expect([u.dtype, Array.from(u.values), u.bits]).toEqual(['uint8', [1, 15, 9], 4]);
    // and INT4 [1, −1, 7, −8, −7] written by the same helper: int32_data [241, 135, 9]
    const s = fourBitConst(
      { name: 's', dims: [5], dataType: ONNX_DTYPE.INT4, int32Data: [241, 135, 9] },
      {},
    );
    expect(Array.from(s.values)).toEqual([1, -1, 7, -8, -7]);
  });

  it('keeps the shape of a per-channel [cout, cin, kh, kw] kernel over its flat packed data', () => {
    // [2, 1, 1, 3]: channel 0 = [−8, 0, 7], channel 1 = [1, −1, 2]
    const c = fourBitConst(
      {
        name: 'k',
        dims: [2, 1, 1, 3],
        dataType: ONNX_DTYPE.INT4,
        rawData: Uint8Array.of(0x08, 0x17, 0x2f),
      },
      {},
    );
    expect(c.shape).toEqual([2, 1, 1, 3]);
    expect(Array.from(c.values)).toEqual([-8, 0, 7, 1, -1, 2]);
  });

  it('reads a scalar INT4 zero point from one byte', () => {
    const c = fourBitConst(
      { name: 'zp', dims: [], dataType: ONNX_DTYPE.INT4, rawData: Uint8Array.of(0x0d) },
      {},
    );
    expect([c.shape, Array.from(c.values)]).toEqual([[], [-3]]);
  });

  it('refuses data whose size does not match the shape, naming the tensor', () => {
    const bad = [
      { name: 'w', dims: [5], dataType: ONNX_DTYPE.INT4, rawData: Uint8Array.of(1, 2) },
      { name: 'w', dims: [4], dataType: ONNX_DTYPE.INT4, rawData: Uint8Array.of(1, 2, 3) },
      { name: 'w', dims: [4], dataType: ONNX_DTYPE.UINT4, int32Data: [1] },
      { name: 'w', dims: [2], dataType: ONNX_DTYPE.INT4, int32Data: [256] },
    ];
    for (const proto of bad) {
      let err: unknown;
      try {
        fourBitConst(proto, { file: 'm.onnx', field: 'w' });
      } catch (e) {
        err = e;
      }
      expect(err).toBeInstanceOf(CollaboptError);
      expect((err as CollaboptError).code).toBe('ONNX_BAD_TENSOR');
      expect((err as CollaboptError).message).toMatch(/INT4 tensor "w"/);
    }
  });
});
