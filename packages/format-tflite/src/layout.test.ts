import { tensor } from '@collabopt/core';
import { fromTfliteLayout, toTfliteLayout } from './layout';

describe('weight layouts', () => {
  const k = (shape: number[]) =>
    tensor(
      'float32',
      shape,
      Float32Array.from({ length: shape.reduce((a, b) => a * b, 1) }, (_, i) => i),
    );

  it('conv [kh, kw, cin, cout] → OHWI', () => {
    const t = toTfliteLayout(k([2, 1, 2, 3]), 'conv');
    expect(t.shape).toEqual([3, 2, 1, 2]);
    // element (o=1, h=1, w=0, i=1) is Keras (1, 0, 1, 1) = 1·6 + 1·3 + 1 = 10
    expect(t.data[1 * 4 + 1 * 2 + 0 * 2 + 1]).toBe(10);
    expect(Array.from(fromTfliteLayout(t, 'conv').data)).toEqual(Array.from(k([2, 1, 2, 3]).data));
  });

  it('depthwise [kh, kw, cin, m] → [1, kh, kw, cin·m] keeps element order', () => {
    const t = toTfliteLayout(k([3, 3, 2, 2]), 'depthwise');
    expect(t.shape).toEqual([1, 3, 3, 4]);
    expect(Array.from(t.data)).toEqual(Array.from(k([3, 3, 2, 2]).data));
    expect(fromTfliteLayout(t, 'depthwise', 2).shape).toEqual([3, 3, 2, 2]);
  });

  it('dense [in, out] → [out, in] and transpose conv [kh, kw, cout, cin] → [cout, kh, kw, cin]', () => {
    const d = toTfliteLayout(k([2, 3]), 'dense');
    expect(d.shape).toEqual([3, 2]);
    expect(Array.from(d.data)).toEqual([0, 3, 1, 4, 2, 5]);
    const tc = toTfliteLayout(k([1, 2, 3, 2]), 'transposeConv');
    expect(tc.shape).toEqual([3, 1, 2, 2]);
    expect(Array.from(fromTfliteLayout(tc, 'transposeConv').data)).toEqual(
      Array.from(k([1, 2, 3, 2]).data),
    );
  });
});
