import { tensor } from '@collabopt/core';
import {
  convKernelToOihw,
  deconvKernelToOnnx,
  depthwiseKernelToOihw,
  nchwAxisToNhwc,
  nchwToNhwcFlatIndex,
  nhwcAxisToNchw,
  oihwToConvKernel,
  oihwToDepthwiseKernel,
  onnxToDeconvKernel,
  permuteRows,
} from './layout';

describe('layout conversions', () => {
  it('maps axes between NHWC and NCHW', () => {
    expect([0, 1, 2, 3].map((a) => nhwcAxisToNchw(a, 4))).toEqual([0, 2, 3, 1]);
    expect([0, 1, 2, 3].map((a) => nchwAxisToNhwc(a, 4))).toEqual([0, 3, 1, 2]);
    expect(nhwcAxisToNchw(-1, 4)).toBe(1);
    expect(nhwcAxisToNchw(-1, 2)).toBe(1);
  });

  it('lays a Conv2D kernel out as OIHW and back', () => {
    // kernel [kh=1, kw=2, cin=2, cout=3]; element value = 100·x + 10·ci + co
    const data: number[] = [];
    for (let x = 0; x < 2; x++)
      for (let ci = 0; ci < 2; ci++)
        for (let co = 0; co < 3; co++) data.push(100 * x + 10 * ci + co);
    const k = tensor('float32', [1, 2, 2, 3], data);
    const w = convKernelToOihw(k);
    expect(w.shape).toEqual([3, 2, 1, 2]);
    // W[co=2, ci=1, 0, x=1] = 100 + 10 + 2
    expect(w.data[((2 * 2 + 1) * 1 + 0) * 2 + 1]).toBe(112);
    expect(Array.from(oihwToConvKernel(w).data)).toEqual(data);
  });

  it('lays a depthwise kernel out as [cin·m, 1, kh, kw] with channel c·m + j', () => {
    // [kh=1, kw=1, cin=2, m=2]: value = 10·c + j
    const k = tensor('float32', [1, 1, 2, 2], [0, 1, 10, 11]);
    const w = depthwiseKernelToOihw(k);
    expect(w.shape).toEqual([4, 1, 1, 1]);
    expect(Array.from(w.data)).toEqual([0, 1, 10, 11]);
    expect(Array.from(oihwToDepthwiseKernel(w, 2).data)).toEqual([0, 1, 10, 11]);
  });

  it('lays a Conv2DTranspose kernel [kh, kw, cout, cin] out as [cin, cout, kh, kw]', () => {
    const k = tensor('float32', [1, 1, 2, 3], [0, 1, 2, 10, 11, 12]); // value = 10·co + ci
    const w = deconvKernelToOnnx(k);
    expect(w.shape).toEqual([3, 2, 1, 1]);
    expect(Array.from(w.data)).toEqual([0, 10, 1, 11, 2, 12]);
    expect(Array.from(onnxToDeconvKernel(w).data)).toEqual([0, 1, 2, 10, 11, 12]);
  });

  it('maps NCHW flatten order to NHWC flatten order', () => {
    // H=1, W=2, C=3: NCHW order (c,w) = (0,0),(0,1),(1,0),(1,1),(2,0),(2,1) → NHWC index w·3 + c
    expect(Array.from(nchwToNhwcFlatIndex(1, 2, 3))).toEqual([0, 3, 1, 4, 2, 5]);
  });

  it('permutes rows and inverts the permutation', () => {
    const t = tensor('float32', [3, 2], [0, 1, 10, 11, 20, 21]);
    const map = Int32Array.from([2, 0, 1]);
    const p = permuteRows(t, map);
    expect(Array.from(p.data)).toEqual([20, 21, 0, 1, 10, 11]);
    expect(Array.from(permuteRows(p, map, true).data)).toEqual([0, 1, 10, 11, 20, 21]);
  });
});
