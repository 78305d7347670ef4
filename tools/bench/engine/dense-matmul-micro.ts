/**
 * Microbenchmark behind src/wasm-kernels/dense-gemm.ts: the dense-layer products of a training
 * step on wasm — x·W (+bias, ReLU), dy·Wᵀ and xᵀ·dy — with the weights a new tensor every call
 * (as after each optimizer step), by the SIMD gemm ("gemm") and by the stock XNNPACK kernels
 * ("xnnpack"), interleaved in one process (same load): median wall and CPU ms per call.
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
}
void main();
