import {
  InvalidArgumentError,
  defaultOpRegistry,
  defineOptions,
  definePass,
  resolveOptions,
  type Graph,
  type OpRegistry,
  type OptionsOf,
  type PassContext,
  type Value,
} from '@collabopt/core';
import {
  getDataSource,
  getEngine,
  type DataSource,
  type Dataset,
  type Engine,
} from '@collabopt/engine';
import { activationGroups, type ActivationBits, type ActivationGroup } from './activation-groups';
import { activationParams, annotateValue } from './annotations';
import { calibrate } from './calibration';
import {
  LAYER_PRECISION_OPTIONS,
  applyFloatLayers,
  resolveLayerPrecision,
} from './layer-precision';
import { activationErrors, type QuantizationErrorReport } from './error-report';
import { foldBatchNorm } from './fold-batch-norm';
import { fuseClampActivations } from './fuse-clamp-activations';
import { representableRange } from './quant-params';
import { RANGE_ESTIMATORS, type Range } from './range-estimators';
import {
  QUANTIZATION_MODES,
  WEIGHT_BITS,
  checkWeightBits,
  quantizeGraphWeights,
  type QuantizationMode,
} from './weight-plan';

/** Options of the `ptq` pass (text pipelines: `ptq(mode=int8, estimator=percentile)`). */
export const PTQ_OPTIONS = defineOptions({
  mode: {
    kind: 'enum',
    values: QUANTIZATION_MODES,
    default: 'int8',
    description: 'quantization scheme',
  },
  estimator: {
    kind: 'enum',
    values: RANGE_ESTIMATORS,
    default: 'minmax',
    description: 'activation range estimator',
  },
  percentile: {
    kind: 'number',
    min: 50,
    max: 100,
    exclusiveMin: true,
    default: 99.99,
    description: 'percentile for estimator=percentile',
  },
  samples: {
    kind: 'integer',
    min: 1,
    default: 500,
    description: 'representative samples used for calibration',
  },
  batchSize: {
    kind: 'integer',
    min: 1,
    default: 100,
    description: 'calibration batch size',
  },
  weightBits: {
    kind: 'integer',
    min: WEIGHT_BITS.min,
    max: WEIGHT_BITS.max,
    default: 8,
    description: "bits of the kernels' symmetric grid (4: int4 kernels; int8 and int8-io modes)",
  },
  reportSamples: {
    kind: 'integer',
    min: 0,
    default: 0,
    description: 'samples for the per-activation SQNR report (0: weights only)',
  },
  ...LAYER_PRECISION_OPTIONS,
});

export type PtqOptions = OptionsOf<typeof PTQ_OPTIONS>;

/** The schema's defaults. */
export const PTQ_DEFAULTS: PtqOptions = resolveOptions<PtqOptions>('ptq', PTQ_OPTIONS, {});

export function activationBitsOf(mode: QuantizationMode): ActivationBits | undefined {
  return mode === 'int8' || mode === 'int8-io' ? 8 : mode === 'int16x8' ? 16 : undefined;
}

/**
 * Give every value of each group the same parameters: the group's fixed parameters, or those of the
 * union of its members' ranges. Returns the values that had no range.
 */
export function annotateGroups(
  groups: readonly ActivationGroup[],
  rangeOf: (v: Value) => Range | undefined,
  bits: ActivationBits,
  source: string,
): Value[] {
  const missing: Value[] = [];
  for (const g of groups) {
    if (g.fixed) {
      const r = representableRange(g.fixed);
      for (const v of g.members) annotateValue(v, g.fixed, bits, r, 'fixed');
      continue;
    }
    let lo = Infinity;
    let hi = -Infinity;
    for (const v of g.members) {
      const r = rangeOf(v);
      if (!r) continue;
      lo = Math.min(lo, r.min);
      hi = Math.max(hi, r.max);
    }
    if (lo > hi) {
      missing.push(...g.members);
      continue;
    }
    const p = activationParams({ min: lo, max: hi }, bits);
    for (const v of g.members) annotateValue(v, p, bits, { min: lo, max: hi }, source);
  }
  return missing;
}

export interface PtqResult {
  readonly foldedBatchNorms: number;
  readonly report: QuantizationErrorReport;
}

/**
 * Post-training quantization of `graph` in place (see docs/quantization-contract.md): folds
 * BatchNorms, calibrates activation ranges on `data` (integer modes), writes `range` + `quant` on
 * every activation value, quantizes weights (keeping masks and codebooks) and sets
 * `graph.metadata.quantization.mode`.
 */
export async function quantizePostTraining(
  graph: Graph,
  options: Partial<PtqOptions> & {
    engine?: Engine;
    data?: Dataset | DataSource;
    registry?: OpRegistry;
    signal?: AbortSignal;
    progress?: PassContext['progress'];
    logger?: PassContext['logger'];
  } = {},
): Promise<PtqResult> {
  const o = { ...PTQ_DEFAULTS, ...options };
  const registry = options.registry ?? defaultOpRegistry;
  checkWeightBits(o.mode, o.weightBits, 'ptq');
  const folded = foldBatchNorm(graph, registry);
  for (const s of folded.skipped)
    options.logger?.warn(`ptq: BatchNorm "${s.batchNorm}" stays unfolded: ${s.reason}`);
  // A separate ReLU/ReLU6 after a conv (Keras Conv → BatchNorm → ReLU) fuses into it, so the
  // layer's int8 output grid spans the clamped range, not the raw one.
  fuseClampActivations(graph, registry);
  const precision = resolveLayerPrecision(graph, registry, o);
  const bits = activationBitsOf(o.mode);
  const floatGraph = o.reportSamples > 0 && bits !== undefined ? graph.clone() : undefined;
  if (bits !== undefined) {
    if (!options.engine || !options.data) {
      throw new InvalidArgumentError(
        `ptq(mode=${o.mode}) needs an engine and a calibration data set (PassContext data "calibration" or "train")`,
      );
    }
    const ranges = await calibrate(options.engine, graph, options.data, {
      estimator: o.estimator,
      percentile: o.percentile,
      bits,
      samples: o.samples,
      batchSize: o.batchSize,
      ...(options.signal ? { signal: options.signal } : {}),
      ...(options.progress ? { progress: options.progress } : {}),
    });
    const missing = annotateGroups(
      activationGroups(graph, bits, registry),
      (v) => ranges.get(v),
      bits,
      `calibration:${o.estimator}`,
    );
    if (missing.length > 0) {
      throw new InvalidArgumentError(
        `calibration observed no values for ${missing.map((v) => `"${v.name}"`).join(', ')}; the engine did not run them`,
      );
    }
  }
  const weights = quantizeGraphWeights(graph, o.mode, registry, {
    weightBits: o.weightBits,
    precision,
  });
  graph.metadata['quantization'] = { mode: o.mode };
  applyFloatLayers(graph, precision, { integerIo: o.mode === 'int8-io' });
  graph.touch();
  const activations =
    floatGraph && options.engine && options.data
      ? await activationErrors(options.engine, floatGraph, graph, options.data, {
          samples: o.reportSamples,
          batchSize: o.batchSize,
          ...(options.signal ? { signal: options.signal } : {}),
        })
      : [];
  return { foldedBatchNorms: folded.folded.length, report: { weights, activations } };
}

/** The `ptq` pass: calibration data from the context ("calibration", else "train"). */
export const ptq = definePass({
  name: 'ptq',
  description: 'post-training quantization: int8 (float or int8 I/O), dynamic range, float16, 16x8',
  options: PTQ_OPTIONS,
  preserves: ['mask', 'codebook', 'quant', 'range'],
  drops: [],
  async run(graph, ctx, o) {
    const needsData = activationBitsOf(o.mode) !== undefined;
    const data = needsData
      ? (getDataSource(ctx, 'calibration') ?? getDataSource(ctx, 'train'))
      : undefined;
    if (needsData && !data) {
      throw new InvalidArgumentError(
        `ptq(mode=${o.mode}) needs a representative data set: give the pipeline a "calibration" (or "train") data set`,
        { pass: 'ptq' },
      );
    }
    const engine = needsData ? await getEngine(ctx) : undefined;
    const r = await quantizePostTraining(graph, {
      ...o,
      registry: ctx.registry,
      progress: ctx.progress,
      logger: ctx.logger,
      ...(engine ? { engine } : {}),
      ...(data ? { data } : {}),
      ...(ctx.signal ? { signal: ctx.signal } : {}),
    });
    return {
      changed: true,
      report: {
        mode: o.mode,
        foldedBatchNorms: r.foldedBatchNorms,
        weights: r.report.weights,
        activations: r.report.activations,
      },
    };
  },
});
