/**
 * Microbenchmark of the reference CNN's dense-layer products on wasm: x·W with the weights a new
 * tensor every call (as after each optimizer step) and the same weights every call, interleaved.
 *
 *   npx tsc -b packages/engine/tsconfig.json
 *   COLLABOPT_WASM_THREADS=1 npx tsx tools/bench/engine/dense-matmul-micro.ts [batch] [rounds]
 */
import { tf } from '@collabopt/engine';
import { interleaveWallAndCpu } from './interleave';
import { wasmMicroSetup } from './bench-setup';

async function main(): Promise<void> {
  const { batch, rounds } = await wasmMicroSetup(50);
  for (const [k, n] of [
    [800, 64],
    [64, 10],
    [1600, 10],
  ] as const) {
    const x = tf.randomNormal([batch, k]) as tf.Tensor2D;
    const w = tf.randomNormal([k, n]) as tf.Tensor2D;
    const dy = tf.randomNormal([batch, n]) as tf.Tensor2D;
    const t = interleaveWallAndCpu(
      {
        'x·W same W': () => tf.matMul(x, w),
        'x·W new W': () => tf.tidy(() => tf.matMul(x, tf.add(w, 0))),
        'new W alone': () => tf.add(w, 0),
        'dy·Wᵀ': () => tf.matMul(dy, w, false, true),
        'xᵀ·dy': () => tf.matMul(x, dy, true, false),
      },
      rounds,
    );
    console.log(
      `[${batch},${k}]·[${k},${n}]: ` +
        Object.entries(t)
          .map(([name, v]) => `${name} ${v.wall.toFixed(3)} ms (cpu ${v.cpu.toFixed(3)})`)
          .join('; '),
    );
  }
}
void main();
