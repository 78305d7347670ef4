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

/**
 * Median wall ms, minimum wall ms and median process CPU ms (all threads) per call of each
 * variant, in interleaved rounds after 2 warm-up calls. With one thread the CPU time is the
 * variant's own work, which preemption on a loaded machine does not inflate.
 */
export function interleaveWallAndCpu(
  variants: Record<string, () => tf.TensorContainer>,
  rounds: number,
): Record<string, { wall: number; min: number; cpu: number }> {
  const names = Object.keys(variants);
  for (let i = 0; i < 2; i++) for (const n of names) tf.dispose(variants[n]!());
  const wall: Record<string, number[]> = Object.fromEntries(names.map((n) => [n, []]));
  const cpu: Record<string, number[]> = Object.fromEntries(names.map((n) => [n, []]));
  for (let r = 0; r < rounds; r++) {
    for (const n of names) {
      const c0 = process.cpuUsage();
      const t0 = performance.now();
      tf.dispose(variants[n]!());
      wall[n]!.push(performance.now() - t0);
      const c = process.cpuUsage(c0);
      cpu[n]!.push((c.user + c.system) / 1000);
    }
  }
  return Object.fromEntries(
    names.map((n) => [
      n,
      { wall: median(wall[n]!), min: Math.min(...wall[n]!), cpu: median(cpu[n]!) },
    ]),
  );
}

/** "a 1.23 ms; b 0.45 ms" */
export function formatTimes(times: Record<string, number>): string {
  return Object.entries(times)
    .map(([n, ms]) => `${n} ${ms.toFixed(2)} ms`)
    .join('; ');
}

/** One timed run of a training variant: wall and process CPU ms (all threads) per step. */
export interface TimedRun {
  readonly wallMs: number;
  readonly cpuMs: number;
}

/**
 * Per-round wall and CPU ms per step of an on/off pair of training variants, after one warm-up
 * round. The variant that goes first alternates, so a load drift within a round favours neither;
 * round i of `on` pairs with round i of `off` for paired ratios.
 */
export async function interleaveOnOff(
  rounds: number,
  run: (variant: 'on' | 'off') => Promise<TimedRun>,
): Promise<Record<'wall' | 'CPU', Record<'on' | 'off', number[]>>> {
  const wall: Record<'on' | 'off', number[]> = { on: [], off: [] };
  const cpu: Record<'on' | 'off', number[]> = { on: [], off: [] };
  for (let r = 0; r <= rounds; r++) {
    const order = r % 2 === 0 ? (['on', 'off'] as const) : (['off', 'on'] as const);
    for (const variant of order) {
      const t = await run(variant);
      if (r === 0) continue; // warm-up
      wall[variant].push(t.wallMs);
      cpu[variant].push(t.cpuMs);
    }
  }
  return { wall, CPU: cpu };
}
