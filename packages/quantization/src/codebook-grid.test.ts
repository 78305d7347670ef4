import { codebookScaleAxes, distinctCentroidCodes } from './codebook-grid';

describe('codebookScaleAxes', () => {
  it('keeps per-channel scales only for a per-channel codebook along the quantization axes', () => {
    expect(codebookScaleAxes([3], [3], 4)).toEqual([3]);
    expect(codebookScaleAxes([-1], [3], 4)).toEqual([3]);
    expect(codebookScaleAxes(undefined, [3], 4)).toBeUndefined(); // per-tensor codebook: shared scale
    expect(codebookScaleAxes([2], [3], 4)).toBeUndefined(); // codebook along another axis
    expect(codebookScaleAxes([1], undefined, 2)).toBeUndefined(); // per-tensor quantization (Dense)
  });
});

describe('distinctCentroidCodes', () => {
  it('is round(c / s), half away from zero, when the centroids already land on distinct codes', () => {
    // −0.5/0.1 = −5, 0.1/0.1 = 1, 0.25/0.1 = 2.5 → 3
    expect(Array.from(distinctCentroidCodes([-0.5, 0.1, 0.25], 0.1, -127, 127))).toEqual([
      -5, 1, 3,
    ]);
  });

  it('gives two centroids that round to the same code the nearest distinct codes', () => {
    // c/s = 1.0, 1.2, 5: rounding collides (1, 1, 5); (1, 2, 5) costs 0.64, (0, 1, 5) costs 1.04
    expect(Array.from(distinctCentroidCodes([0.1, 0.12, 0.5], 0.1, -127, 127))).toEqual([1, 2, 5]);
    // order of the centroids does not matter
    expect(Array.from(distinctCentroidCodes([0.5, 0.12, 0.1], 0.1, -127, 127))).toEqual([5, 2, 1]);
  });

  it('keeps a zero centroid at code 0 and moves its neighbour instead', () => {
    // c/s = 0, 0.4, 3: rounding gives (0, 0, 3); zero is pinned, so 0.4 goes to 1
    expect(Array.from(distinctCentroidCodes([0, 0.04, 0.3], 0.1, -127, 127))).toEqual([0, 1, 3]);
  });

  it('uses every level when there are as many centroids as levels (k codes exactly)', () => {
    // 2-bit full range −2..1; c/s = −1.4, −1.2, 0.2, 0.9 round to (−1, −1, 0, 1): the only strictly
    // increasing choice is (−2, −1, 0, 1)
    expect(Array.from(distinctCentroidCodes([-1.4, -1.2, 0.2, 0.9], 1, -2, 1))).toEqual([
      -2, -1, 0, 1,
    ]);
  });

  it('lets equal centroids share a code, and rounds when there are more centroids than levels', () => {
    expect(Array.from(distinctCentroidCodes([0.1, 0.1, 0.3], 0.1, -7, 7))).toEqual([1, 1, 3]);
    expect(Array.from(distinctCentroidCodes([0.1, 0.2, 0.3, 0.4], 0.1, 0, 2))).toEqual([
      1, 2, 2, 2,
    ]);
  });
});
