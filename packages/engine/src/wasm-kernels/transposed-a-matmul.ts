import type * as tf from '@tensorflow/tfjs-core';
import { runByImagesSummed } from './split-by-images';
import { heapSimd } from './wasm-heap';

/**
 * BatchMatMul with a transposed first operand, aᵀ·b for a [..., rows, ca] and b [..., rows, cb]
 * with the same batch dimensions (a dense layer's kernel gradient, xᵀ·dy), as the SIMD
 * gemmTransposedA per batch; undefined where it does not apply (other dtypes, broadcast batches,
 * no SIMD). Saves the explicit transpose of a and XNNPACK's repacking of b as weights.
 */
export function transposedAMatMulSimd(
  backend: unknown,
  a: tf.TensorInfo,
  b: tf.TensorInfo,
): tf.TensorInfo | undefined {
  if (a.dtype !== 'float32' || b.dtype !== 'float32') return undefined;
  if (a.shape.length < 2 || a.shape.length !== b.shape.length) return undefined;
  const rank = a.shape.length;
  for (let i = 0; i < rank - 2; i++) if (a.shape[i] !== b.shape[i]) return undefined;
  const rows = a.shape[rank - 2]!;
  const ca = a.shape[rank - 1]!;
  const cb = b.shape[rank - 1]!;
  if (b.shape[rank - 2] !== rows) return undefined;
  const simd = heapSimd(backend);
  if (simd === undefined) return undefined;
  const batches = a.shape.slice(0, rank - 2).reduce((p, d) => p * d, 1);
  const out = simd.backend.makeOutput([...a.shape.slice(0, rank - 2), ca, cb], 'float32');
  const at = simd.address;
  const [pa, pb, po] = [at(a), at(b), at(out)];
  for (let k = 0; k < batches; k++)
    runByImagesSummed(
      simd,
      'gemmTransposedA',
      {
        a: pa + 4 * k * rows * ca,
        b: pb + 4 * k * rows * cb,
        out: po + 4 * k * ca * cb,
        rows,
        ca,
        cb,
      },
      { batch: 'rows', perImage: { a: ca * 4, b: cb * 4 }, outs: { out: ca * cb } },
    );
  return out;
}
