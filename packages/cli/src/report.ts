import { formatTable, type PassRecord } from '@collabopt/core';
import { formatCompression } from '@collabopt/report';

/** The per-pass instrumentation table of a pipeline run. */
export function formatPassRecords(records: readonly PassRecord[]): string {
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
