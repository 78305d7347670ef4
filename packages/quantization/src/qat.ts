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
  type PassResult,
} from '@collabopt/core';
import {
  getDataSource,
  getEngine,
  TRAINING_LOSS_OPTIONS,
  trainingLossOf,
  type Dataset,
  type DataSource,
  type ActivationTransform,
  type Engine,
  type WeightTransform,
} from '@collabopt/engine';
import {
  RANGE_INITS,
  annotateQatActivations,
  qatActivationTransform,
  qatWeightTransform,
} from './qat-transforms';
import { foldBatchNorm } from './fold-batch-norm';
import { fuseClampActivations } from './fuse-clamp-activations';
import {
  LAYER_PRECISION_OPTIONS,
  applyFloatLayers,
  floatValues,
  resolveLayerPrecision,
} from './layer-precision';
import {
  WEIGHT_BITS,
  checkWeightBits,
  quantizeGraphWeights,
  type WeightQuantReport,
} from './weight-plan';

/** Options of `qat` and its collaborative siblings (pqat, cqat, pcqat). */
export const QAT_OPTIONS = defineOptions({
  epochs: {
    kind: 'integer',
    min: 0,
    default: 1,
    description: 'fine-tuning epochs',
  },
  batchSize: {
    kind: 'integer',
    min: 1,
    default: 128,
    description: 'batch size',
  },
  learningRate: {
    kind: 'number',
    min: 0,
    exclusiveMin: true,
    default: 1e-4,
    description: 'optimizer learning rate',
  },
  optimizer: {
    kind: 'enum',
    values: ['adam', 'sgd'],
    default: 'adam',
    description: 'optimizer',
  },
  maxSteps: {
    kind: 'integer',
    min: 1,
    optional: true,
    description: 'stop after this many optimizer steps (quick fine-tuning); default: all epochs',
  },
  weightBits: {
    kind: 'integer',
    min: WEIGHT_BITS.min,
    max: WEIGHT_BITS.max,
    default: 8,
    description: "bits of the kernels' symmetric grid (4: int4 kernels)",
  },
  rangeInit: {
    kind: 'enum',
    values: RANGE_INITS,
    default: 'tfmot',
    description:
      "start of the activation ranges' moving averages: TFMOT's [-6, 6] or the first batch's extremes (short fine-tuning)",
  },
  ...LAYER_PRECISION_OPTIONS,
  ...TRAINING_LOSS_OPTIONS,
});

export type QatOptions = OptionsOf<typeof QAT_OPTIONS>;

/** The schema's defaults. */
export const QAT_DEFAULTS: QatOptions = resolveOptions<QatOptions>('qat', QAT_OPTIONS, {});

export interface QatResult {
  readonly foldedBatchNorms: number;
  readonly history: unknown;
  readonly weights: readonly WeightQuantReport[];
}

/**
 * Quantization-aware fine-tuning of `graph` in place with the default 8-bit scheme: BatchNorms are
 * folded first; kernels train through LastValue symmetric int8 fake-quant (per channel for convs),
 * activations through asymmetric fake-quant with EMA ranges (inputs: running extremes). Afterwards
 * every activation value carries `range` + `quant` (shared-parameter groups and fixed softmax /
 * sigmoid / tanh outputs resolved as in PTQ), kernels and int32 biases are on their grids and
 * `graph.metadata.quantization.mode` is 'int8', ready for export.
 */
export async function quantizationAwareTraining(
  graph: Graph,
  engine: Engine,
  data: Dataset | DataSource,
  options: Partial<QatOptions> & {
    registry?: OpRegistry;
    seed?: number;
    signal?: AbortSignal;
    progress?: PassContext['progress'];
    logger?: PassContext['logger'];
    validation?: Dataset | DataSource;
    /** The float model before the pipeline: distilled from (the default without labels). */
    teacher?: Graph;
    /**
     * Transforms of earlier stages trained together with the fake-quant (collaborative QAT):
     * a fixed-mask stage keeps sparsity (PQAT), a codebook stage keeps clusters (CQAT), both PCQAT.
     */
    preservingTransforms?: readonly WeightTransform[];
    /** Quantize kept codebooks centroid-wise so every cluster stays one int8 value (CQAT/PCQAT). */
    codebookAware?: boolean;
  } = {},
): Promise<QatResult> {
  const o = { ...QAT_DEFAULTS, ...options };
  const registry = options.registry ?? defaultOpRegistry;
  checkWeightBits('int8', o.weightBits, 'qat');
  const folded = foldBatchNorm(graph, registry);
  for (const s of folded.skipped)
    options.logger?.warn(`qat: BatchNorm "${s.batchNorm}" stays unfolded: ${s.reason}`);
  // A separate ReLU/ReLU6 after a conv (Keras Conv → BatchNorm → ReLU) fuses into it, so the
  // layer's int8 output grid spans the clamped range, not the raw one.
  fuseClampActivations(graph, registry);
  const precision = resolveLayerPrecision(graph, registry, o);
  const { transform: allValues, state } = qatActivationTransform(graph, registry, o.rangeInit);
  // Values that stay float still track their group's range (a group's anchor may be one) but are
  // not fake-quantized.
  const stayFloat = floatValues(graph, precision);
  const transform: ActivationTransform = {
    ...allValues,
    create: (t) => {
      const inner = allValues.create(t);
      if (!stayFloat.has(t.value)) return inner;
      return {
        ...inner,
        forward: (x, info) => {
          inner.forward(x, info);
          return x;
        },
      };
    },
  };
  const result = await engine.fit(graph, data, {
    epochs: o.epochs,
    batchSize: o.batchSize,
    optimizer: o.optimizer,
    learningRate: o.learningRate,
    ...(o.maxSteps !== undefined ? { maxSteps: o.maxSteps } : {}),
    ...(options.seed !== undefined ? { seed: options.seed } : {}),
    weightTransforms: [
      ...(options.preservingTransforms ?? []),
      qatWeightTransform(registry, o.weightBits, {
        codebookGrid: options.codebookAware ?? false,
        precision,
      }),
    ],
    activationTransforms: [transform],
    ...trainingLossOf(o),
    ...(options.teacher ? { teacher: options.teacher } : {}),
    ...(options.validation ? { validation: options.validation } : {}),
    ...(options.progress ? { progress: options.progress } : {}),
    label: 'fine-tune',
    ...(options.signal ? { signal: options.signal } : {}),
  });
  const missing = annotateQatActivations(state).map((v) => `"${v.name}"`);
  if (missing.length > 0) {
    throw new InvalidArgumentError(
      `qat tracked no range for ${missing.join(', ')}; the engine did not run them in training`,
    );
  }
  // The kernels hold fake-quantized values; this writes their int8 annotations (once) and quantizes
  // the biases with input × weight scales.
  // Plain QAT drops codebooks (kernels are quantized element-wise); CQAT/PCQAT keep them.
  const weights = quantizeGraphWeights(graph, 'int8', registry, {
    codebookAware: options.codebookAware ?? false,
    weightBits: o.weightBits,
    precision,
  });
  graph.metadata['quantization'] = { mode: 'int8' };
  applyFloatLayers(graph, precision);
  graph.touch();
  return {
    foldedBatchNorms: folded.folded.length,
    history: (result as { history?: unknown }).history,
    weights,
  };
}

/**
 * What a collaborative QAT (PQAT, CQAT, PCQAT) adds to plain QAT: the preserving stages stacked
 * before the fake-quant, and whether kept codebooks are quantized centroid-wise.
 */
export interface PreservingStages {
  /** Preserving weight transforms for one run (seeded from the pass context). */
  readonly transforms: (seed: number) => readonly WeightTransform[];
  readonly codebookAware: boolean;
}

/**
 * The body of the `qat` pass and its collaborative siblings: fine-tunes on the context's "train"
 * data set (validation on "validation" when present).
 */
export async function runQatPass(
  name: string,
  graph: Graph,
  ctx: PassContext,
  options: QatOptions,
  preserving?: PreservingStages,
): Promise<PassResult> {
  const data = getDataSource(ctx, 'train');
  if (!data || data.count === 0)
    throw new InvalidArgumentError(`${name} needs a "train" data set in the pipeline context`, {
      pass: name,
    });
  const engine = await getEngine(ctx);
  const validation = getDataSource(ctx, 'validation');
  const r = await quantizationAwareTraining(graph, engine, data, {
    ...options,
    registry: ctx.registry,
    seed: ctx.seed,
    progress: ctx.progress,
    logger: ctx.logger,
    ...(preserving
      ? {
          preservingTransforms: preserving.transforms(ctx.seed),
          codebookAware: preserving.codebookAware,
        }
      : {}),
    ...(validation ? { validation } : {}),
    ...(ctx.teacher ? { teacher: ctx.teacher } : {}),
    ...(ctx.signal ? { signal: ctx.signal } : {}),
  });
  return {
    changed: true,
    report: { foldedBatchNorms: r.foldedBatchNorms, weights: r.weights },
  };
}

/** Plain QAT: drops sparsity and clusters (the pass manager then names pqat/cqat/pcqat). */
export const qat = definePass({
  name: 'qat',
  description:
    'quantization-aware fine-tuning with the default 8-bit scheme (fake-quant, EMA activation ranges)',
  family: 'qat',
  options: QAT_OPTIONS,
  preserves: ['quant', 'range'],
  drops: ['mask', 'codebook'],
  usesTeacher: true,
  run: (graph, ctx, options) => runQatPass('qat', graph, ctx, options),
});
