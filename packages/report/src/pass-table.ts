import { formatTable, type PassRecord } from '@collabopt/core';
import { formatCompression } from './compression';

/** The files a command wrote, measured on disk. */
export interface WrittenSize {
  /** What the row shows, e.g. the output file name. */
  readonly label: string;
  readonly bytes: number;
  readonly deflatedBytes: number;
}

/**
 * The per-pass instrumentation table of a pipeline run. Pass rows carry the IR's size estimate
 * (weights as stored in the IR); the optional last row the real size of the written file(s).
 */
export function formatPassRecords(records: readonly PassRecord[], written?: WrittenSize): string {
  const rows = records.map((r) => {
    return [
      r.pass,
      (r.timeMs / 1000).toFixed(1),
      String(r.params),
      `${(r.sparsity * 100).toFixed(1)}%`,
      r.maxUniquePerKernel > 0 ? String(r.maxUniquePerKernel) : '',
      formatCompression(r.bytes, r.deflatedBytes),
    ];
  });
  if (written)
    rows.push([
      `→ ${written.label} (file)`,
      '',
      '',
      '',
      '',
      formatCompression(written.bytes, written.deflatedBytes),
    ]);
  return formatTable(
    [
      'pass',
      'seconds',
      'params',
      'sparsity',
      'max unique/kernel',
      'weights raw → zipped (reduction)',
    ],
    rows,
  );
}
