import type { ConvGeometry } from './conv-geometry';

/**
 * The kernels.wat arguments both 2×2/2 max-pooling kernels (maxPool2x2, maxPoolGrad2x2) take from
 * the pooling geometry (poolGeometry's), and the bytes per image of its input and output (to split the work by
 * images).
 */
export function poolKernelArgs(g: ConvGeometry): {
  readonly geometry: {
    batch: number;
    inH: number;
    inW: number;
    c: number;
    outH: number;
    outW: number;
  };
  readonly inputImageBytes: number;
  readonly outputImageBytes: number;
} {
  return {
    geometry: { batch: g.batch, inH: g.inH, inW: g.inW, c: g.inC, outH: g.outH, outW: g.outW },
    inputImageBytes: g.inH * g.inW * g.inC * 4,
    outputImageBytes: g.outH * g.outW * g.inC * 4,
  };
}
