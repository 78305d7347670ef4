/**
 * One-shot k-means speed (issue 7 target: 10 million weights into 256 clusters in under 2 s).
 * Clusters N float32 weights (normal, σ = 0.05) into K centroids with each initialisation
 * (sort + init + 100 Lloyd iterations at most + assignment of every weight), and runs the NumPy
 * peer (same algorithm, vectorised) from the Python oracle venv in the same run for a ratio.
 */
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import * as path from 'node:path';
import { createRng } from '@collabopt/core';
import {
  assignCodebook,
  planCodebook,
  SortedValues,
  type CentroidInit,
} from '@collabopt/clustering';

export interface SpeedResult {
  readonly init: CentroidInit;
  readonly seconds: number;
  readonly iterations: number;
}

export interface SpeedSummary {
  readonly n: number;
  readonly k: number;
  readonly results: readonly SpeedResult[];
  readonly peerSeconds?: number;
}

export function oraclePython(): string | undefined {
  const python =
    process.env['COLLABOPT_ORACLE_PYTHON'] ??
    path.resolve(__dirname, '../../../.venv-oracle/bin/python');
  return existsSync(python) ? python : undefined;
}

function runPeer(n: number, k: number): number | undefined {
  const python = oraclePython();
  if (python === undefined) {
    console.log('  peer skipped: no Python oracle venv');
    return undefined;
  }
  const r = spawnSync(
    python,
    [path.join(__dirname, 'peer_kmeans.py'), `--n=${n}`, `--k=${k}`, '--iterations=100'],
    { encoding: 'utf8' },
  );
  if (r.status !== 0) {
    console.log(`  peer failed (exit ${r.status}): ${r.stderr.slice(-1000)}`);
    return undefined;
  }
  const out = JSON.parse(r.stdout.trim().split('\n').pop()!) as {
    seconds: number;
    iterations: number;
    numpy: string;
  };
  console.log(
    `  NumPy ${out.numpy} peer (linear init, same algorithm): ${out.seconds.toFixed(3)} s, ${out.iterations} Lloyd iterations`,
  );
  return out.seconds;
}

export function kmeansSpeed(n: number, k: number, peer: boolean): SpeedSummary {
  const rng = createRng(1);
  const data = new Float32Array(n);
  for (let i = 0; i < n; i++) data[i] = rng.normal() * 0.05;
  console.log(`one-shot k-means: ${n.toLocaleString('en')} float32 weights → ${k} clusters`);
  const t0 = performance.now();
  SortedValues.from(data);
  console.log(`  radix sort alone: ${((performance.now() - t0) / 1000).toFixed(3)} s`);
  const results: SpeedResult[] = [];
  for (const init of ['kmeans++', 'linear', 'density', 'random'] as const) {
    const options = {
      clusters: k,
      init,
      perChannel: false,
      preserveSparsity: false,
      kmeansIterations: 100,
      rng: createRng(9),
    };
    const t1 = performance.now();
    const plan = planCodebook(data, [n], options);
    const t2 = performance.now();
    assignCodebook(data, [n], plan);
    const t3 = performance.now();
    const seconds = (t3 - t1) / 1000;
    console.log(
      `  ${init.padEnd(9)} ${seconds.toFixed(3)} s  (sort + init + k-means ${((t2 - t1) / 1000).toFixed(3)} s, ${plan.iterations} Lloyd iterations; assignment ${((t3 - t2) / 1000).toFixed(3)} s; mse ${(plan.inertia / n).toExponential(3)})`,
    );
    results.push({ init, seconds, iterations: plan.iterations });
  }
  const peerSeconds = peer ? runPeer(n, k) : undefined;
  return { n, k, results, ...(peerSeconds !== undefined ? { peerSeconds } : {}) };
}

export function speedKeyFigures(s: SpeedSummary): string {
  const pp = s.results.find((r) => r.init === 'kmeans++')!;
  const linear = s.results.find((r) => r.init === 'linear')!;
  const ratio =
    s.peerSeconds !== undefined
      ? `, linear ours/NumPy ${(linear.seconds / s.peerSeconds).toFixed(2)}`
      : '';
  return `one-shot k-means ${s.n / 1e6}M weights/${s.k} clusters: kmeans++ ${pp.seconds.toFixed(2)} s, linear ${linear.seconds.toFixed(2)} s (target < 2 s)${ratio}`;
}
