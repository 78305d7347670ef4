/**
 * Child process for wasm-threads.test.ts: creates a wasm engine (thread count from
 * COLLABOPT_WASM_THREADS), runs a convolution and a matrix product, trains the reference CNN for a
 * few steps twice with the same seed, prints one JSON line and returns. The parent checks the
 * numbers against another thread count and that this process exits on its own.
 */
import { createRng, silentLogger, type Graph } from '@collabopt/core';
import { createDataset, createEngine, referenceCnn, tf } from '../src/index';

function randomArray(n: number, seed: number): Float32Array {
  const rng = createRng(seed);
  return Float32Array.from({ length: n }, () => rng.next() * 2 - 1);
}

const weightsOf = (g: Graph): number[][] =>
  [...g.weights()].map(({ weight }) => Array.from(weight.tensor.data as Float32Array));

async function main(): Promise<void> {
  const engine = await createEngine({ backend: 'wasm', logger: silentLogger });
  const x = tf.tensor4d(randomArray(8 * 28 * 28 * 16, 1), [8, 28, 28, 16]);
  const k = tf.tensor4d(randomArray(3 * 3 * 16 * 32, 2), [3, 3, 16, 32]);
  const conv = await tf.conv2d(x, k, 1, 'same').data();
  const a = tf.tensor2d(randomArray(96 * 200, 3), [96, 200]);
  const b = tf.tensor2d(randomArray(200 * 72, 4), [200, 72]);
  const matMul = await tf.matMul(a, b).data();

  const count = 64;
  const labels = Int32Array.from({ length: count }, (_, i) => i % 10);
  const data = createDataset(
    Float32Array.from(randomArray(count * 28 * 28, 5), (v) => Math.abs(v)),
    labels,
    [28, 28, 1],
  );
  const train = async (): Promise<number[][]> => {
    const g = referenceCnn(3);
    await engine.fit(g, data, { epochs: 1, batchSize: 16, seed: 11, maxSteps: 3 });
    return weightsOf(g);
  };
  const trained = await train();
  const again = await train();
  process.stdout.write(
    `${JSON.stringify({
      reason: engine.backendReason,
      conv: Array.from(conv),
      matMul: Array.from(matMul),
      trained,
      deterministic: JSON.stringify(trained) === JSON.stringify(again),
    })}\n`,
  );
}

main().catch((e: unknown) => {
  process.stderr.write(`${e instanceof Error ? (e.stack ?? e.message) : String(e)}\n`);
  process.exitCode = 1;
});
