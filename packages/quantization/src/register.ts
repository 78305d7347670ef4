import {
  defaultPassRegistry,
  type Graph,
  type Pass,
  type PassContext,
  type PassRegistry,
} from '@collabopt/core';
import { foldBatchNorm } from './fold-batch-norm';
import { PTQ_DEFAULTS, createPtqPass, type PtqOptions } from './ptq';
import { QAT_OPTIONS, createQatPass, type QatOptions } from './qat';
import { RANGE_ESTIMATORS } from './range-estimators';
import { QUANTIZATION_MODES } from './weight-plan';

/** The `foldBatchNorm` pass. */
export function createFoldBatchNormPass(): Pass {
  return {
    name: 'foldBatchNorm',
    preserves: ['mask', 'codebook', 'range'],
    run(graph: Graph, ctx: PassContext) {
      const r = foldBatchNorm(graph, ctx.registry);
      for (const s of r.skipped)
        ctx.logger.warn(`foldBatchNorm: "${s.batchNorm}" stays: ${s.reason}`);
      return { changed: r.folded.length > 0, report: { folded: r.folded, skipped: r.skipped } };
    },
  };
}

/** Register `qat`, `ptq` and `foldBatchNorm` (idempotent per registry). */
export function registerQuantizationPasses(registry: PassRegistry = defaultPassRegistry): void {
  if (!registry.has('foldBatchNorm')) {
    registry.register({
      name: 'foldBatchNorm',
      description:
        'fold BatchNorm into the preceding Conv2D / DepthwiseConv2D / Dense, per output channel',
      options: {},
      preserves: ['mask', 'codebook', 'range'],
      create: () => createFoldBatchNormPass(),
    });
  }
  if (!registry.has('ptq')) {
    registry.register<PtqOptions>({
      name: 'ptq',
      description:
        'post-training quantization: int8 (float or int8 I/O), dynamic range, float16, 16x8',
      options: {
        mode: {
          kind: 'enum',
          values: QUANTIZATION_MODES,
          default: PTQ_DEFAULTS.mode,
          description: 'quantization scheme',
        },
        estimator: {
          kind: 'enum',
          values: RANGE_ESTIMATORS,
          default: PTQ_DEFAULTS.estimator,
          description: 'activation range estimator',
        },
        percentile: {
          kind: 'number',
          min: 50,
          max: 100,
          exclusiveMin: true,
          default: PTQ_DEFAULTS.percentile,
          description: 'percentile for estimator=percentile',
        },
        samples: {
          kind: 'integer',
          min: 1,
          default: PTQ_DEFAULTS.samples,
          description: 'representative samples used for calibration',
        },
        batchSize: {
          kind: 'integer',
          min: 1,
          default: PTQ_DEFAULTS.batchSize,
          description: 'calibration batch size',
        },
        reportSamples: {
          kind: 'integer',
          min: 0,
          default: PTQ_DEFAULTS.reportSamples,
          description: 'samples for the per-activation SQNR report (0: weights only)',
        },
      },
      preserves: ['mask', 'codebook', 'quant', 'range'],
      drops: [],
      create: (o) => createPtqPass(o),
    });
  }
  if (!registry.has('qat')) {
    registry.register<QatOptions>({
      name: 'qat',
      description:
        'quantization-aware fine-tuning with the default 8-bit scheme (fake-quant, EMA activation ranges)',
      family: 'qat',
      options: QAT_OPTIONS,
      preserves: ['quant', 'range'],
      drops: ['mask', 'codebook'],
      create: (o) => createQatPass(o),
    });
  }
}
