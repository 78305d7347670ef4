import { formatTable } from '@collabopt/core';
import { formatCompression, formatPercent } from './compression';
import { qualityMetricText } from './quality-metric';
import type { ReportModel } from './report-model';

/**
 * The terminal table of a report's leaves: the int8 simulation's figure (and the runtime's
 * column only when a runtime measured the files) named by what it measures — accuracy, agreement
 * or SQNR — kernel sparsity, distinct int8 codes, `raw → zipped (reduction)`, seconds.
 */
export function formatLeafTable(
  model: Pick<ReportModel, 'leaves' | 'metric'>,
  options: { readonly leafHeader?: string } = {},
): string {
  const q = qualityMetricText(model.metric);
  const runtime = model.leaves.some((l) => l.accuracy.runtime !== undefined);
  const rows = model.leaves.map((l) => {
    const cells =
      l.status === 'ok'
        ? [
            l.label,
            q.format(l.accuracy.fakeInt8),
            q.format(l.accuracy.runtime),
            formatPercent(l.sparsity ?? 0),
            l.codesPerTensor === undefined ? '' : String(l.codesPerTensor),
            l.codesPerChannel === undefined ? '' : String(l.codesPerChannel),
            formatCompression(l.rawBytes, l.zippedBytes),
            l.wallTimeMs === undefined ? '' : (l.wallTimeMs / 1000).toFixed(1),
          ]
        : [l.label, l.reason ?? 'unavailable', '', '', '', '', '', ''];
    return runtime ? cells : cells.filter((_, i) => i !== 2);
  });
  const header = [
    options.leafHeader ?? 'leaf',
    `int8 sim ${q.name}`,
    `runtime ${q.name}`,
    'kernel sparsity',
    'int8 codes/kernel',
    'int8 codes/channel',
    'raw → zipped (reduction)',
    'seconds',
  ];
  return formatTable(runtime ? header : header.filter((_, i) => i !== 2), rows);
}
