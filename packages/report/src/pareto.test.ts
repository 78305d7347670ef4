import { paretoFront } from './pareto';

describe('paretoFront', () => {
  it('keeps the points no other point beats on both size and accuracy', () => {
    const flags = paretoFront([
      { size: 10, accuracy: 0.9 }, // smallest: front
      { size: 20, accuracy: 0.95 }, // front
      { size: 25, accuracy: 0.94 }, // beaten by (20, 0.95)
      { size: 30, accuracy: 0.97 }, // most accurate: front
      { size: 30, accuracy: 0.96 }, // beaten by (30, 0.97) on accuracy alone
    ]);
    expect(flags).toEqual([true, true, false, true, false]);
  });

  it('keeps both of two identical points', () => {
    expect(
      paretoFront([
        { size: 1, accuracy: 0.5 },
        { size: 1, accuracy: 0.5 },
      ]),
    ).toEqual([true, true]);
  });
});
