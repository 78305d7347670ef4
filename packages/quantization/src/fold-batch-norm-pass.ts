import { definePass } from '@collabopt/core';
import { foldBatchNorm } from './fold-batch-norm';

/** The `foldBatchNorm` pass. */
export const foldBatchNormPass = definePass({
  name: 'foldBatchNorm',
  description:
    'fold BatchNorm into the preceding Conv2D / DepthwiseConv2D / Dense, per output channel',
  options: {},
  preserves: ['mask', 'codebook', 'range'],
  run(graph, ctx) {
    const r = foldBatchNorm(graph, ctx.registry);
    for (const s of r.skipped)
      ctx.logger.warn(`foldBatchNorm: "${s.batchNorm}" stays: ${s.reason}`);
    return { changed: r.folded.length > 0, report: { folded: r.folded, skipped: r.skipped } };
  },
});
