import { tf } from '@collabopt/engine';
import { median } from '../stats';

/**
 * Median milliseconds per call of each variant, timed in interleaved rounds in one process so that
 * every variant sees the same machine load (the microbenchmarks' A/B method). Results are disposed.
 */
export function interleave(
  variants: Record<string, () => tf.TensorContainer>,
  options: { warmup?: number; rounds?: number } = {},
): Record<string, number> {
  const stats = interleaveStats(variants, options);
  return Object.fromEntries(Object.entries(stats).map(([n, s]) => [n, s.median]));
}

/**
 * interleave's timings with their minimum too: on a loaded machine the fastest round is the one
 * where every thread of a variant found a free core, the closest to an idle machine's time.
 */
export function interleaveStats(
  variants: Record<string, () => tf.TensorContainer>,
  { warmup = 5, rounds = 100 }: { warmup?: number; rounds?: number } = {},
): Record<string, { median: number; min: number }> {
  const names = Object.keys(variants);
  for (let i = 0; i < warmup; i++) for (const n of names) tf.dispose(variants[n]!());
  const times: Record<string, number[]> = Object.fromEntries(names.map((n) => [n, []]));
  for (let r = 0; r < rounds; r++) {
    for (const n of names) {
      const t0 = performance.now();
      tf.dispose(variants[n]!());
      times[n]!.push(performance.now() - t0);
    }
  }
  return Object.fromEntries(
    names.map((n) => [n, { median: median(times[n]!), min: Math.min(...times[n]!) }]),
  );
}

/** "a 1.23 ms; b 0.45 ms" */
export function formatTimes(times: Record<string, number>): string {
  return Object.entries(times)
    .map(([n, ms]) => `${n} ${ms.toFixed(2)} ms`)
    .join('; ');
}
