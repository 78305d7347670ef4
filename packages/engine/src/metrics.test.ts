import { OutputAgreementAccumulator, argmaxRows } from './metrics';

describe('argmaxRows', () => {
  test('picks the largest value per row, the first one on ties', () => {
    expect(Array.from(argmaxRows([1, 3, 2, 5, 5, 0], 3))).toEqual([1, 0]);
  });
});

describe('OutputAgreementAccumulator', () => {
  test('SQNR 10·log10(Σr²/Σd²), max relative error max|d|/max|r| (hand-computed)', () => {
    const acc = new OutputAgreementAccumulator();
    acc.add([1, 2], [1, 1]); // signal 5, noise 1
    const v = acc.value();
    expect(v.sqnrDb).toBeCloseTo(6.9897, 4);
    expect(v.maxRelativeError).toBeCloseTo(0.5, 6);
    expect(v.top1Agreement).toBeUndefined();
  });

  test('accumulates over batches like one batch', () => {
    const a = new OutputAgreementAccumulator();
    a.add([1], [1]);
    a.add([2, -4], [1, -2]); // signal 21, noise 5, max error 2, max |r| 4
    const v = a.value();
    expect(v.sqnrDb).toBeCloseTo(10 * Math.log10(21 / 5), 6);
    expect(v.maxRelativeError).toBeCloseTo(0.5, 6);
  });

  test('top-1 agreement per row for classifier outputs', () => {
    const a = new OutputAgreementAccumulator(2);
    a.add([0.2, 0.8, 0.6, 0.4], [0.3, 0.7, 0.3, 0.7]); // rows agree, disagree
    a.add([0.9, 0.1], [0.8, 0.2]); // agrees
    expect(a.value().top1Agreement).toBeCloseTo(2 / 3, 6);
  });

  test('identical outputs: SQNR Infinity, error 0', () => {
    const a = new OutputAgreementAccumulator();
    a.add([1, -1], [1, -1]);
    expect(a.value().sqnrDb).toBe(Infinity);
    expect(a.value().maxRelativeError).toBe(0);
  });

  test('rejects outputs of different lengths', () => {
    expect(() => new OutputAgreementAccumulator().add([1], [1, 2])).toThrow(RangeError);
  });
});
