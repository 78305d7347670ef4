import { mnMask, mnRows, mnViolations } from './mn-mask';

describe('mnRows (TFLite layout view)', () => {
  it('Dense [in, out] → rows = out, groups along in', () => {
    // shape [4, 2]: element (i, o) at flat i*2+o; row o lists (0,o),(1,o),(2,o),(3,o)
    const r = mnRows([4, 2], [1]);
    expect(r.rows).toBe(2);
    expect(r.length).toBe(4);
    expect([...r.index]).toEqual([0, 2, 4, 6, 1, 3, 5, 7]);
  });
  it('Conv2D [kh, kw, cin, cout] → [cout·kh·kw, cin]', () => {
    // shape [1, 2, 2, 2]: flat = (w*2 + c)*2 + o
    const r = mnRows([1, 2, 2, 2], [3]);
    expect(r.rows).toBe(4);
    expect(r.length).toBe(2);
    // row (o=0, w=0): c=0 → 0, c=1 → 2; (o=0, w=1): 4, 6; (o=1, w=0): 1, 3; (o=1, w=1): 5, 7
    expect([...r.index]).toEqual([0, 2, 4, 6, 1, 3, 5, 7]);
  });
});

describe('mnMask', () => {
  it('keeps the 2 largest of every 4 along the input axis of a Dense kernel', () => {
    // Dense [8, 1] → one row of 8: groups [1, -5, 3, 2] and [0.5, 0.1, -0.2, 0.3]
    const w = [1, -5, 3, 2, 0.5, 0.1, -0.2, 0.3];
    expect([...mnMask(w, [8, 1], [1], 2, 4).mask]).toEqual([0, 1, 1, 0, 1, 0, 0, 1]);
  });
  it('groups along cin, not along the flat order, for conv kernels', () => {
    // Conv [1, 1, 4, 2]: flat = c*2 + o. Output 0 reads c=0..3 at flat 0,2,4,6; output 1 at 1,3,5,7
    const w = [4, 1, 3, 2, 2, 3, 1, 4];
    // out 0: |4,3,2,1| keep c=0,1 → flat 0, 2; out 1: |1,2,3,4| keep c=2,3 → flat 5, 7
    expect([...mnMask(w, [1, 1, 4, 2], [3], 2, 4).mask]).toEqual([1, 0, 1, 0, 0, 1, 0, 1]);
  });
  it('pads a short last group: keeps min(len, n − m) there', () => {
    // one row of 6 with 2:4 → group [1,2,3,4] keeps 3,4; short group [5, 6] keeps both
    expect([...mnMask([1, 2, 3, 4, 5, 6], [6, 1], [1], 2, 4).mask]).toEqual([0, 0, 1, 1, 1, 1]);
    // 3:4 keeps one per group
    expect([...mnMask([1, 2, 3, 4, 6, 5], [6, 1], [1], 3, 4).mask]).toEqual([0, 0, 0, 1, 1, 0]);
  });
  it('on ties the earlier element wins (top-k order)', () => {
    expect([...mnMask([1, 1, 1, 1], [4, 1], [1], 2, 4).mask]).toEqual([1, 1, 0, 0]);
  });
  it('rejects m ≥ n and rank-1 weights', () => {
    expect(() => mnMask([1, 2, 3, 4], [4, 1], [1], 4, 4)).toThrow(/m < n/);
    expect(() => mnMask([1, 2], [2], [0], 1, 2)).toThrow(/rank ≥ 2/);
  });
});

describe('mnViolations', () => {
  it('counts groups with more than n − m non-zeros', () => {
    const ok = mnViolations([1, 0, 0, 2, 0, 3, 4, 0], [8, 1], [1], 2, 4);
    expect(ok.groups).toBe(2);
    expect(ok.violationCount).toBe(0);
    const bad = mnViolations([1, 5, 0, 2, 0, 3, 4, 0], [8, 1], [1], 2, 4);
    expect(bad.violationCount).toBe(1);
    expect(bad.violations[0]).toEqual({ row: 0, group: 0, nonZeros: 3, index: 0 });
  });
});
