import { InvalidArgumentError } from '@collabopt/core';
import {
  applyPreprocessing,
  checkPreprocessing,
  describePreprocessing,
  parsePreprocessing,
  preprocessingCoefficients,
  type Preprocessing,
} from './preprocessing';

const base: Preprocessing = { scale: 1, offset: 0, mean: [], std: [], source: 'user' };

describe('preprocessing', () => {
  test('parses the CLI form, fractions and per-channel lists', () => {
    expect(parsePreprocessing('scale=1/255, offset=-1')).toEqual({ scale: 1 / 255, offset: -1 });
    expect(parsePreprocessing('mean=0.5:0.25:0,std=2:4:1,order=bgr,resize=crop')).toEqual({
      mean: [0.5, 0.25, 0],
      std: [2, 4, 1],
      channelOrder: 'bgr',
      resize: 'crop',
    });
    expect(() => parsePreprocessing('scale=abc')).toThrow(InvalidArgumentError);
    expect(() => parsePreprocessing('gamma=2')).toThrow(/unknown key "gamma"/);
    expect(() => parsePreprocessing('resize=zoom')).toThrow(/stretch, crop, pad, none/);
  });

  test('scale and offset: 255 · (1/255) − 1 = 0, 0 → −1', () => {
    const x = new Float32Array([255, 0]);
    applyPreprocessing({ ...base, scale: 1 / 255, offset: -1 }, x, 1);
    expect(x[0]).toBeCloseTo(0, 6);
    expect(x[1]).toBeCloseTo(-1, 6);
  });

  test('per-channel mean/std after scaling: ((v·s) − m[c]) / σ[c]', () => {
    // two pixels of two channels: [10, 20], [30, 40]; scale 0.1 → [1, 2], [3, 4]
    const x = new Float32Array([10, 20, 30, 40]);
    applyPreprocessing({ ...base, scale: 0.1, mean: [1, 2], std: [2, 4] }, x, 2);
    expect(Array.from(x).map((v) => +v.toFixed(5))).toEqual([0, 0, 1, 0.5]);
  });

  test('checks channel counts and std', () => {
    expect(() => checkPreprocessing({ ...base, mean: [1, 2], std: [1, 1] }, 3)).toThrow(
      /3 channels/,
    );
    expect(() => checkPreprocessing({ ...base, mean: [1], std: [0] }, 1)).toThrow(/std/);
  });

  test('describes itself for a report', () => {
    expect(
      describePreprocessing({
        ...base,
        scale: 1 / 255,
        channels: 3,
        resize: 'crop',
        channelOrder: 'bgr',
      }),
    ).toBe('x·0.00392157 + 0, RGB, BGR order, resize crop (user)');
  });

  test('single-pass coefficients a·v + b equal the staged formula', () => {
    const p: Preprocessing = { ...base, scale: 0.1, offset: 1, mean: [1, 2], std: [2, 4] };
    const { a, b } = preprocessingCoefficients(p, 2);
    // channel 0: (v·0.1 + 1 − 1)/2 = 0.05 v; channel 1: (v·0.1 + 1 − 2)/4 = 0.025 v − 0.25
    expect(Array.from(a)).toEqual([0.05, 0.025]);
    expect(Array.from(b)).toEqual([0, -0.25]);
  });
});
