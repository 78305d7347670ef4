import type { ConvGeometry } from './conv-geometry';

/**
 * The kernels.wat arguments the SIMD convolutions (convForwardBlocked, convForwardWinograd,
 * convFilterGradBlocked, convInputGradBlocked) take from a convolution's geometry, and the bytes
 * per image of its input and output (or their gradients; to split the work by images).
 */
export function convGradArgs(
  g: ConvGeometry,
  cin: number,
  cout: number,
): {
  readonly geometry: {
    n: number;
    inH: number;
    inW: number;
    cin: number;
    oh: number;
    ow: number;
    kh: number;
    kw: number;
    cout: number;
    sh: number;
    sw: number;
    top: number;
    left: number;
  };
  readonly inputImageBytes: number;
  readonly outputImageBytes: number;
} {
  return {
    geometry: {
      n: g.batch,
      inH: g.inH,
      inW: g.inW,
      cin,
      oh: g.outH,
      ow: g.outW,
      kh: g.kh,
      kw: g.kw,
      cout,
      sh: g.sh,
      sw: g.sw,
      top: g.top,
      left: g.left,
    },
    inputImageBytes: g.inH * g.inW * cin * 4,
    outputImageBytes: g.outH * g.outW * cout * 4,
  };
}
