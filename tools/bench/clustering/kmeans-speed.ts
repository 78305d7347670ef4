/**
 * One-shot k-means speed: cluster N float32 weights (default 10 million, normal distribution)
 * into K centroids (default 256) with each initialisation, and report sort / plan / assign time.
 * Target (issue 7): 10M weights into 256 clusters in under 2 s.
 *   npm run bench:clustering -- --speed-only [--n 10000000] [--k 256]
 */
import { createRng } from '@collabopt/core';
import { assignCodebook, clusterWeight, planCodebook, SortedValues, type CentroidInit } from '@collabopt/clustering';

function arg(name: string, fallback: number): number {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 ? Number(process.argv[i + 1]) : fallback;
}

export interface SpeedResult {
  readonly init: CentroidInit;
  readonly seconds: number;
  readonly unique: number;
}

export function kmeansSpeed(n: number, k: number, inits: readonly CentroidInit[] = ['kmeans++', 'linear', 'density', 'random']): SpeedResult[] {
  const rng = createRng(1);
  const data = Float32Array.from({ length: n }, () => rng.normal() * 0.05);
  const out: SpeedResult[] = [];
  console.log(`one-shot k-means: ${n.toLocaleString('en')} float32 weights → ${k} clusters`);
  const t0 = performance.now();
  SortedValues.from(data);
  console.log(`  radix sort alone: ${((performance.now() - t0) / 1000).toFixed(3)} s`);
  for (const init of inits) {
    const opts = { clusters: k, init, perChannel: false, preserveSparsity: false, kmeansIterations: 100, rng: createRng(9) };
    const t1 = performance.now();
    const plan = planCodebook(data, [n], opts);
    const t2 = performance.now();
    assignCodebook(data, [n], plan);
    const t3 = performance.now();
    const seconds = (t3 - t1) / 1000;
    const r = clusterWeight(data.subarray(0, 1000), [1000], opts);
    console.log(
      `  ${init.padEnd(9)} total ${seconds.toFixed(3)} s  (sort+init+k-means ${((t2 - t1) / 1000).toFixed(3)} s, ${plan.iterations} Lloyd iterations; assign ${((t3 - t2) / 1000).toFixed(3)} s)  mse ${(plan.inertia / n).toExponential(3)}`,
    );
    out.push({ init, seconds, unique: r.plan.clusters });
  }
  return out;
}

if (require.main === module) {
  const results = kmeansSpeed(arg('n', 10_000_000), arg('k', 256));
  const best = results.find((r) => r.init === 'kmeans++')!;
  console.log(`KEY one-shot k-means ${arg('n', 10_000_000)} weights/${arg('k', 256)} clusters (kmeans++ init): ${best.seconds.toFixed(2)} s (target < 2 s)`);
}
