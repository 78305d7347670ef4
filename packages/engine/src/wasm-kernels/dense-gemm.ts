import * as tf from '@tensorflow/tfjs-core';
import {
  forwardActivationCode,
  forwardConvCallGeometry,
  type ForwardConvCall,
} from './conv-call-geometry';
import { isPointwise } from './conv2d-backprop';
import { runByImages } from './split-by-images';
import type { HeapSimd } from './wasm-heap';

/** A product the SIMD gemm takes: a [m, k] · b [k, n] (+ bias [n]), then ReLU, ReLU6 or nothing. */
export interface DenseProduct {
  readonly a: tf.TensorInfo;
  readonly b: tf.TensorInfo;
  readonly bias?: tf.TensorInfo;
  readonly activation: string;
}

/** Rows and columns of a matrix given as [r, c] or [1, r, c]; undefined for anything else. */
function matrix(t: tf.TensorInfo): [number, number] | undefined {
  const s = t.shape;
  if (s.length === 2) return [s[0]!, s[1]!];
  if (s.length === 3 && s[0] === 1) return [s[1]!, s[2]!];
  return undefined;
}

/**
 * a · b (+ bias, then ReLU or ReLU6) as the SIMD gemm, reading the weights b as they are: TF.js's wasm
 * MatMul hands b to XNNPACK as a new weight matrix to repack whenever its tensor is new, which for
 * a dense layer's kernel is after every optimizer step (and for its input gradient, dy · Wᵀ, the
 * transposed copy is new every step too). Undefined where it does not apply (other dtypes, batched
 * or broadcast operands, other activations, a bias that is not one value per column).
 */
export function denseGemmSimd(simd: HeapSimd, p: DenseProduct): tf.TensorInfo | undefined {
  const { a, b, bias } = p;
  if (a.dtype !== 'float32' || b.dtype !== 'float32') return undefined;
  const act = forwardActivationCode(p.activation);
  if (act === undefined) return undefined;
  const ma = matrix(a);
  const mb = matrix(b);
  if (ma === undefined || mb === undefined || a.shape.length !== b.shape.length) return undefined;
  const [m, k] = ma;
  const [kb, n] = mb;
  if (k !== kb || m === 0 || n === 0 || k === 0) return undefined;
  if (bias !== undefined) {
    if (bias.dtype !== 'float32' || tf.util.sizeFromShape(bias.shape) !== n) return undefined;
    if (bias.shape.length > 0 && bias.shape[bias.shape.length - 1] !== n) return undefined;
  }
  const out = simd.backend.makeOutput(a.shape.length === 3 ? [1, m, n] : [m, n], 'float32');
  runGemm(simd, { a, b, bias, out, m, k, n, act });
  return out;
}

/**
 * A pointwise (1×1, stride 1, unpadded) Conv2D / FusedConv2D as the gemm of x viewed as
 * [pixels, in channels] with the filter viewed as [in channels, out channels]: XNNPACK's
 * convolution repacks the filter whenever its tensor is new (every training step). Undefined for
 * any other convolution and where forwardConvCallGeometry declines (activation, bias shape).
 */
export function pointwiseConvGemm(
  simd: HeapSimd,
  call: ForwardConvCall,
): tf.TensorInfo | undefined {
  const { x, filter, bias } = call;
  if (x.dtype !== 'float32' || filter.dtype !== 'float32') return undefined;
  if (bias !== undefined && bias.dtype !== 'float32') return undefined;
  const parsed = forwardConvCallGeometry(call);
  if (parsed === undefined || !isPointwise(parsed.g) || parsed.g.dh !== 1 || parsed.g.dw !== 1)
    return undefined;
  const { g, cin, cout, act } = parsed;
  const m = g.batch * g.outH * g.outW;
  if (m === 0 || cin === 0 || cout === 0) return undefined;
  const out = simd.backend.makeOutput([g.batch, g.outH, g.outW, cout], 'float32');
  runGemm(simd, { a: x, b: filter, bias, out, m, k: cin, n: cout, act });
  return out;
}

function runGemm(
  simd: HeapSimd,
  p: {
    a: tf.TensorInfo;
    b: tf.TensorInfo;
    bias: tf.TensorInfo | undefined;
    out: tf.TensorInfo;
    m: number;
    k: number;
    n: number;
    act: number;
  },
): void {
  const { a, b, bias, out, m, k, n, act } = p;
  const at = simd.address;
  runByImages(
    simd,
    'gemm',
    {
      a: at(a),
      b: at(b),
      bias: bias === undefined ? 0 : at(bias),
      out: at(out),
      m,
      k,
      n,
      act,
    },
    { batch: 'm', perImage: { a: k * 4, out: n * 4 } },
  );
}
