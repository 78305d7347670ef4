import { blockMask, poolBlocks } from './block-mask';

describe('poolBlocks', () => {
  const w = Float32Array.from([
    1,
    2,
    3,
    4,
    5, //
    6,
    7,
    8,
    9,
    10, //
    11,
    12,
    13,
    14,
    15,
  ]);
  it('averages 2×2 blocks, partial edge blocks over their own cells', () => {
    // blocks: rows {0,1} × cols {0,1}: (1+2+6+7)/4 = 4; cols {2,3}: (3+4+8+9)/4 = 6; col {4}: (5+10)/2 = 7.5
    //         row {2} × cols {0,1}: 11.5; {2,3}: 13.5; {4}: 15
    expect([...poolBlocks(w, [3, 5], [2, 2], 'avg')]).toEqual([4, 6, 7.5, 11.5, 13.5, 15]);
  });
  it('max-pools blocks', () => {
    expect([...poolBlocks(w, [3, 5], [2, 2], 'max')]).toEqual([7, 9, 10, 12, 14, 15]);
  });
});

describe('blockMask', () => {
  it('prunes whole blocks by pooled magnitude (hand-computed)', () => {
    // 4×4, 2×2 blocks, avg of |w|: [[1, 4], [0.5, 2]] → s = 0.5 keeps blocks with avg ≥ 2
    const w = [
      1,
      -1,
      4,
      4, //
      1,
      1,
      -4,
      4, //
      0.5,
      0.5,
      2,
      2, //
      -0.5,
      0.5,
      2,
      -2,
    ];
    const r = blockMask(w, [4, 4], 0.5, [2, 2], 'avg');
    expect([...r.mask]).toEqual([0, 0, 1, 1, 0, 0, 1, 1, 0, 0, 1, 1, 0, 0, 1, 1]);
    expect(r.threshold).toBe(2);
  });
  it('max pooling can rank blocks differently from avg', () => {
    // block A (cols 0-1) = [10, 0, 0, 0] avg 2.5 max 10; block B (cols 2-3) = [3, 3, 3, 3] avg 3 max 3
    const w = [10, 0, 3, 3, 0, 0, 3, 3];
    expect([...blockMask(w, [2, 4], 0.5, [2, 2], 'avg').mask]).toEqual([0, 0, 1, 1, 0, 0, 1, 1]);
    expect([...blockMask(w, [2, 4], 0.5, [2, 2], 'max').mask]).toEqual([1, 1, 0, 0, 1, 1, 0, 0]);
  });
  it('handles partial edge blocks (3×3 weight, 2×2 blocks → 2×2 pooled)', () => {
    const w = [
      9,
      9,
      1, //
      9,
      9,
      1, //
      1,
      1,
      8,
    ];
    // pooled avg: [[9, 1], [1, 8]]; s = 0.5 → k = 2 → keep 9 and 8
    expect([...blockMask(w, [3, 3], 0.5, [2, 2], 'avg').mask]).toEqual([1, 1, 0, 1, 1, 0, 0, 0, 1]);
  });
  it('requires rank-2 weights', () => {
    expect(() => blockMask(new Array(8).fill(1), [2, 2, 2], 0.5, [2, 2])).toThrow(/rank-2/);
  });
});
