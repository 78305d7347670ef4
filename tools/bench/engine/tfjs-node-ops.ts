/**
 * Which TensorFlow ops one engine training step runs on tfjs-node, counted where the backend calls
 * TensorFlow (`executeSingleOutput` / `executeMultipleOutputs`), with its `_kernel` label: MklNameChangeOp = oneDNN called directly), and the time
 * per step spent in the binding call vs outside it (TF.js bookkeeping, JavaScript, N-API). Shows
 * whether each depthwise / batch-norm layer takes the oneDNN / fused path and what the per-op
 * dispatch costs.
 *
 *   npx tsc -b packages/engine/tsconfig.json
 *   npx tsx tools/bench/engine/tfjs-node-ops.ts mobilenet-v1 64
 */
import { silentLogger } from '@collabopt/core';
import { createEngine, loadFashionMnist, take, tf } from '@collabopt/engine';
import { benchModel } from './bench-setup';
const STEPS = 10;

type Execute = (
  name: string,
  attrs: { name: string; value: unknown }[],
  ...rest: unknown[]
) => unknown;

async function main(): Promise<void> {
  const build = benchModel(process.argv[2] ?? 'mobilenet-v1');
  const batch = Number(process.argv[3] ?? 64);
  // The eager step: the default graph step runs these ops inside one TensorFlow session call.
  const engine = await createEngine({
    backend: 'tensorflow',
    logger: silentLogger,
    graphStep: false,
  });
  const { train } = loadFashionMnist();
  const graph = build(0);
  await engine.fit(graph, take(train, batch * 3), { epochs: 1, batchSize: batch });

  // Every kernel reaches TensorFlow through these two methods (op name, attributes, inputs).
  const backend = tf.backend() as unknown as Record<string, Execute>;
  const counts = new Map<string, { calls: number; ms: number }>();
  let inBinding = 0;
  const stock: Record<string, Execute> = {};
  for (const method of ['executeSingleOutput', 'executeMultipleOutputs']) {
    const original = backend[method]!;
    stock[method] = original;
    backend[method] = function (this: unknown, name, attrs, ...rest) {
      const label = attrs.find((a) => a.name === '_kernel')?.value;
      const key = label === 'MklNameChangeOp' ? `${name} (oneDNN)` : name;
      const t0 = performance.now();
      try {
        return original.call(this, name, attrs, ...rest);
      } finally {
        const ms = performance.now() - t0;
        inBinding += ms;
        const e = counts.get(key) ?? { calls: 0, ms: 0 };
        e.calls++;
        e.ms += ms;
        counts.set(key, e);
      }
    };
  }
  const t0 = performance.now();
  await engine.fit(graph, take(train, batch * STEPS), { epochs: 1, batchSize: batch });
  const wall = (performance.now() - t0) / STEPS;
  Object.assign(backend, stock);
  const calls = [...counts.values()].reduce((a, e) => a + e.calls, 0) / STEPS;
  console.log(
    `${process.argv[2] ?? 'mobilenet-v1'} batch ${batch}: ${wall.toFixed(1)} ms per step, ${calls.toFixed(0)} TensorFlow ops per step, ` +
      `${(inBinding / STEPS).toFixed(1)} ms in them, ${(wall - inBinding / STEPS).toFixed(1)} ms outside ` +
      `(${(((wall - inBinding / STEPS) / calls) * 1000).toFixed(0)} µs per op)`,
  );
  for (const [name, e] of [...counts].sort((a, b) => b[1].ms - a[1].ms))
    console.log(
      `${(e.ms / STEPS).toFixed(2).padStart(8)} ms  x${(e.calls / STEPS).toFixed(1).padStart(5)}  ${name}`,
    );
}

void main();
