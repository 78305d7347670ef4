import { paretoOptimal } from './pareto';

describe('paretoOptimal', () => {
  it('flags the points no other point beats on both size and quality', () => {
    expect(
      paretoOptimal([
        { size: 10, quality: 0.9 }, // smallest: front
        { size: 20, quality: 0.95 }, // front
        { size: 25, quality: 0.94 }, // beaten by (20, 0.95)
        { size: 30, quality: 0.97 }, // best quality: front
        { size: 30, quality: 0.96 }, // beaten by (30, 0.97) on quality alone
        { size: 35, quality: 0.97 }, // beaten by (30, 0.97) on size alone
      ]),
    ).toEqual([true, true, false, true, false, false]);
  });

  it('keeps both of two identical points, and handles none', () => {
    expect(
      paretoOptimal([
        { size: 1, quality: 0.5 },
        { size: 1, quality: 0.5 },
      ]),
    ).toEqual([true, true]);
    expect(paretoOptimal([])).toEqual([]);
  });
});
