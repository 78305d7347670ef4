import {
  binaryConst,
  broadcast,
  concatConst,
  gatherConst,
  makeConst,
  resolveReshape,
  sliceConst,
} from './fold';

const c = (shape: number[], values: number[]) => makeConst('int64', shape, values, {});

describe('constant folding', () => {
  it('broadcasts like numpy', () => {
    expect(broadcast([2, 1, 3], [4, 1], {})).toEqual([2, 4, 3]);
    expect(() => broadcast([2], [3], {})).toThrow(/do not broadcast/);
    const r = binaryConst('Mul', c([2, 1], [1, 2]), c([3], [1, 10, 100]), {});
    expect(r.shape).toEqual([2, 3]);
    expect(Array.from(r.values)).toEqual([1, 10, 100, 2, 20, 200]);
    expect(Array.from(binaryConst('Div', c([1], [7]), c([1], [2]), {}).values)).toEqual([3]);
  });

  it('gathers, slices and concatenates shape vectors', () => {
    const shape = c([4], [-1, 3, 8, 8]);
    expect(Array.from(gatherConst(shape, c([], [0]), 0, {}).values)).toEqual([-1]);
    expect(gatherConst(shape, c([], [1]), 0, {}).shape).toEqual([]);
    expect(Array.from(sliceConst(shape, [1], [2 ** 53], [0], [1], {}).values)).toEqual([3, 8, 8]);
    expect(Array.from(sliceConst(shape, [-1], [-5], [0], [-1], {}).values)).toEqual([8, 8, 3, -1]);
    expect(Array.from(concatConst([c([1], [-1]), c([1], [200])], 0, {}).values)).toEqual([-1, 200]);
  });

  it('resolves ONNX reshape targets', () => {
    expect(resolveReshape([2, 3, 4], [0, -1], false, {})).toEqual([2, 12]);
    expect(resolveReshape([2, 3, 4], [4, 0, 2], false, {})).toEqual([4, 3, 2]);
    expect(() => resolveReshape([2, 3], [-1, -1], false, {})).toThrow(/more than one/);
    expect(() => resolveReshape([2, 3], [5], false, {})).toThrow(/cannot reshape/);
  });
});
