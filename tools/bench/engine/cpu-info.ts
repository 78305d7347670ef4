import { readFileSync } from 'node:fs';
import * as os from 'node:os';

/** "AMD EPYC … (2 cores; avx2 fma avx512f … amx_tile)": ratios against Keras depend on these units. */
export function describeCpu(): string {
  const cpus = os.cpus();
  let flags: string[] = [];
  try {
    const line = readFileSync('/proc/cpuinfo', 'utf8')
      .split('\n')
      .find((l) => l.startsWith('flags'));
    flags = (line?.split(':')[1] ?? '').trim().split(/\s+/);
  } catch {
    // not Linux: the model name alone
  }
  const vector = flags.filter((f) => /^(avx2|fma|avx512f|avx512_vnni|avx512_bf16|amx\w*)$/.test(f));
  return `${cpus[0]?.model ?? 'unknown CPU'} (${cpus.length} cores; ${vector.length > 0 ? vector.join(' ') : 'no AVX2/AVX-512/AMX flags'}; load average ${loadAverage()})`;
}

/** The 1-, 5- and 15-minute load averages, "1.23 0.98 0.75": how busy the shared machine was. */
export function loadAverage(digits = 2): string {
  return os
    .loadavg()
    .map((l) => l.toFixed(digits))
    .join(' ');
}

/**
 * The 1-minute load average now and, on `report()`, again: "load average 1.2 → 1.5 (shared
 * 2-core machine)", printed after an A/B to show how the load moved while it ran.
 */
export function loadDrift(): { report(): string } {
  const start = os.loadavg()[0]!;
  return {
    report: () =>
      `load average ${start.toFixed(1)} → ${os.loadavg()[0]!.toFixed(1)} (shared 2-core machine)`,
  };
}
