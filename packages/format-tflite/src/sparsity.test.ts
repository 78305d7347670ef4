import { tensor } from '@collabopt/core';
import { DimensionType } from './schema/enums';
import { encodeSparse, sparseToDenseIndices } from './sparsity';

describe('sparse tensor encoding', () => {
  it('encodes the last dimension as CSR and decodes to the same positions', () => {
    const t = tensor('float32', [3, 4], [0, 1, 0, 2, 0, 0, 0, 0, 3, 0, 0, 4]);
    const enc = encodeSparse(t)!;
    const last = enc.sparsity.dimMetadata[1]!;
    expect(enc.sparsity.dimMetadata[0]).toEqual({ format: DimensionType.DENSE, denseSize: 3 });
    expect(last.arraySegments).toEqual([0, 2, 2, 4]);
    expect(last.arrayIndices).toEqual([1, 3, 0, 3]);
    expect(Array.from(new Float32Array(enc.values.slice().buffer))).toEqual([1, 2, 3, 4]);
    expect(Array.from(sparseToDenseIndices(enc.sparsity, [3, 4], 4, 't'))).toEqual([1, 3, 8, 11]);
  });

  it('decodes block sparsity (the 4×4 / 2×2 example of TFLite’s sparse_tensor.json)', () => {
    const sparsity = {
      traversalOrder: [0, 1, 2, 3],
      blockMap: [0, 1],
      dimMetadata: [
        { format: DimensionType.DENSE, denseSize: 2 },
        {
          format: DimensionType.SPARSE_CSR,
          denseSize: 0,
          arraySegments: [0, 2, 3],
          arrayIndices: [0, 1, 1],
        },
        { format: DimensionType.DENSE, denseSize: 2 },
        { format: DimensionType.DENSE, denseSize: 2 },
      ],
    };
    const pos = Array.from(sparseToDenseIndices(sparsity, [4, 4], 12, 't'));
    // Block (0,0) → rows 0–1, cols 0–1; block (0,1) → rows 0–1, cols 2–3; block (1,1) → rows 2–3, cols 2–3.
    expect(pos).toEqual([0, 1, 4, 5, 2, 3, 6, 7, 10, 11, 14, 15]);
  });

  it('rejects indices outside the tensor with a typed error', () => {
    const bad = {
      traversalOrder: [0, 1],
      blockMap: [],
      dimMetadata: [
        { format: DimensionType.DENSE, denseSize: 2 },
        {
          format: DimensionType.SPARSE_CSR,
          denseSize: 0,
          arraySegments: [0, 1, 2],
          arrayIndices: [0, 9],
        },
      ],
    };
    expect(() => sparseToDenseIndices(bad, [2, 4], 2, 't')).toThrow(
      expect.objectContaining({ code: 'TFLITE_INVALID' }),
    );
    expect(() => sparseToDenseIndices(bad, [2, 4], 5, 't')).toThrow(
      expect.objectContaining({ code: 'TFLITE_INVALID' }),
    );
  });

  it('returns nothing for a tensor without zeros', () => {
    expect(encodeSparse(tensor('float32', [2, 2], [1, 2, 3, 4]))).toBeUndefined();
  });
});
