/**
 * Microbenchmark behind src/wasm-kernels/dense-gemm.ts: the dense-layer products of a training
 * step on wasm — x·W (+bias, ReLU), dy·Wᵀ and xᵀ·dy — and the forward pass of MobileNet-style
 * pointwise convolutions, with the weights a new tensor every call (as after each optimizer
 * step), by the SIMD gemm ("gemm") and by the stock XNNPACK kernels ("xnnpack"), interleaved in
 * one process (same load): median wall and CPU ms per call.
 *
 *   npx tsc -b packages/engine/tsconfig.json
 *   COLLABOPT_WASM_THREADS=1 npx tsx tools/bench/engine/dense-matmul-micro.ts [batch] [rounds]
 */
import { tf } from '@collabopt/engine';
import { interleaveWallAndCpu } from './interleave';
import { wasmMicroSetup } from './bench-setup';

// eslint-disable-next-line @typescript-eslint/no-require-imports
const { setDenseGemmEnabled } = require('../../../packages/engine/dist/wasm-kernels');

async function main(): Promise<void> {
  const { batch, rounds } = await wasmMicroSetup(50);
  // The reference CNN's dense layers (800→64→10) and the benchmark CNN's (1600→10).
  for (const [k, n] of [
    [800, 64],
    [64, 10],
    [1600, 10],
  ] as const) {
    const x = tf.randomNormal([batch, k]) as tf.Tensor2D;
    const w = tf.randomNormal([k, n]) as tf.Tensor2D;
    const bias = tf.randomNormal([n]) as tf.Tensor1D;
    const dy = tf.randomNormal([batch, n]) as tf.Tensor2D;
    // Forward, input gradient and kernel gradient, each with weights fresh from an update.
    const step = (): tf.Tensor[] =>
      tf.tidy(() => {
        const fresh = tf.add(w, 0) as tf.Tensor2D;
        return [
          tf.fused.matMul({ a: x, b: fresh, bias, activation: 'relu' }),
          tf.matMul(dy, fresh, false, true),
          tf.matMul(x, dy, true, false),
        ];
      });
    const variant = (gemm: boolean) => (): tf.Tensor[] => {
      setDenseGemmEnabled(gemm);
      try {
        return step();
      } finally {
        setDenseGemmEnabled(true);
      }
    };
    const t = interleaveWallAndCpu({ gemm: variant(true), xnnpack: variant(false) }, rounds);
    console.log(
      `[${batch},${k}]·[${k},${n}] forward + dx + dW: gemm ${t['gemm']!.wall.toFixed(3)} ms (cpu ${t['gemm']!.cpu.toFixed(3)}), xnnpack ${t['xnnpack']!.wall.toFixed(3)} ms (cpu ${t['xnnpack']!.cpu.toFixed(3)}); gemm ${(t['xnnpack']!.wall / t['gemm']!.wall).toFixed(2)}× faster (wall medians)`,
    );
    tf.dispose([x, w, bias, dy]);
  }
  // The MobileNet-style models' pointwise layers (28×28 input: 14×14 and 7×7 feature maps).
  for (const [hw, cin, cout] of [
    [14, 32, 64],
    [14, 64, 64],
    [7, 64, 128],
    [7, 128, 128],
  ] as const) {
    const x = tf.randomNormal([batch, hw, hw, cin]) as tf.Tensor4D;
    const w = tf.randomNormal([1, 1, cin, cout]) as tf.Tensor4D;
    const conv = (gemm: boolean) => (): tf.Tensor => {
      setDenseGemmEnabled(gemm);
      try {
        return tf.tidy(() => tf.conv2d(x, tf.add(w, 0) as tf.Tensor4D, 1, 'same'));
      } finally {
        setDenseGemmEnabled(true);
      }
    };
    const t = interleaveWallAndCpu({ gemm: conv(true), xnnpack: conv(false) }, rounds);
    console.log(
      `pointwise conv [${batch},${hw},${hw},${cin}] → ${cout}: gemm ${t['gemm']!.wall.toFixed(3)} ms (cpu ${t['gemm']!.cpu.toFixed(3)}), xnnpack ${t['xnnpack']!.wall.toFixed(3)} ms (cpu ${t['xnnpack']!.cpu.toFixed(3)}); gemm ${(t['xnnpack']!.wall / t['gemm']!.wall).toFixed(2)}× faster (wall medians)`,
    );
    tf.dispose([x, w]);
  }
}
void main();
