import { describePreprocess, parsePreprocess } from './preprocess';
import { parseInputShapes } from './input-shapes';

describe('--preprocess', () => {
  it('reads scale/offset with fractions and mean/std per channel', () => {
    expect(parsePreprocess('scale=1/255')).toEqual({ kind: 'scale', scale: 1 / 255, offset: 0 });
    expect(parsePreprocess('scale=1/127.5, offset=-1')).toEqual({
      kind: 'scale',
      scale: 1 / 127.5,
      offset: -1,
    });
    expect(parsePreprocess('mean=127.5:100:50,std=2')).toEqual({
      kind: 'normalize',
      mean: [127.5, 100, 50],
      std: [2],
    });
    expect(describePreprocess(parsePreprocess('mean=127.5,std=127.5'))).toBe(
      '(x − [127.5]) / [127.5]',
    );
    expect(() => parsePreprocess('scale=1/255,mean=3')).toThrow(/not both/);
    expect(() => parsePreprocess('gamma=2')).toThrow(/cannot read "gamma=2"/);
    expect(() => parsePreprocess('mean=1,std=0')).toThrow(/std must not be 0/);
  });
});

describe('--input-shape', () => {
  it('reads name=dims and rejects anything else', () => {
    expect(parseInputShapes(['input=1x3x224x224', 'mask:0=1x10'])).toEqual({
      input: [1, 3, 224, 224],
      'mask:0': [1, 10],
    });
    expect(parseInputShapes([])).toBeUndefined();
    expect(() => parseInputShapes(['1x3x224x224'])).toThrow(/--input-shape "1x3x224x224"/);
    expect(() => parseInputShapes(['x=1x0'])).toThrow(/--input-shape/);
  });
});
