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
  return `${cpus[0]?.model ?? 'unknown CPU'} (${cpus.length} cores; ${vector.length > 0 ? vector.join(' ') : 'no AVX2/AVX-512/AMX flags'}; load average ${os
    .loadavg()
    .map((l) => l.toFixed(2))
    .join(' ')})`;
}
