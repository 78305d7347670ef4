import { formatTable, type PassRecord } from '@collabopt/core';

function kb(bytes: number): string {
  return (bytes / 1024).toFixed(1);
}

/** The per-pass instrumentation table of a pipeline run. */
export function formatPassRecords(records: readonly PassRecord[]): string {
  const rows = records.map((r) => {
    return [
      r.pass,
      (r.timeMs / 1000).toFixed(1),
      String(r.params),
      `${(r.sparsity * 100).toFixed(1)}%`,
      r.maxUniquePerKernel > 0 ? String(r.maxUniquePerKernel) : '',
      kb(r.bytes),
      kb(r.deflatedBytes),
    ];
  });
  return formatTable(
    ['pass', 'seconds', 'params', 'sparsity', 'max unique/kernel', 'KiB', 'deflated KiB'],
    rows,
  );
}
