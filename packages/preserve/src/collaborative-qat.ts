import { defineOptions, definePass, type AnnotationKind } from '@collabopt/core';
import { createClusterTransform, type ClusterTransformOptions } from '@collabopt/clustering';
import { getDataSource, type WeightTransform } from '@collabopt/engine';
import { pruningTransform } from '@collabopt/pruning';
import { QAT_OPTIONS, runQatPass } from '@collabopt/quantization';

/** Which earlier results a collaborative QAT keeps. */
export interface Preservation {
  /** Keep every `mask` annotation's zeros fixed (PQAT, PCQAT). */
  readonly sparsity: boolean;
  /** Keep every `codebook` annotation's clusters, training the centroids (CQAT, PCQAT). */
  readonly clusters: boolean;
}

/**
 * How the codebook stage of CQAT/PCQAT assigns weights to clusters: the cluster transform's
 * rate-aware options (see `clusterQatOptions`).
 */
export type ClusterAssignment = Pick<
  ClusterTransformOptions,
  'entropyWeight' | 'entropyReduction' | 'entropyRampSteps' | 'moveCost' | 'reassignUntilStep'
>;

/**
 * The preserving stages that run before the fake-quant: a mask stage that only keeps existing
 * masks fixed (it prunes nothing new), and a codebook stage that starts from each weight's
 * existing codebook and trains its centroids (indices re-assigned as `assignment` says, zero
 * centroid pinned when the codebook has one). Without `assignment`: nearest centroid every step.
 */
export function preservingTransforms(
  p: Preservation,
  seed = 0,
  assignment?: ClusterAssignment,
): WeightTransform[] {
  const stages: WeightTransform[] = [];
  if (p.sparsity)
    stages.push(pruningTransform({ policy: { allow: () => false }, keepExistingMasks: true }));
  if (p.clusters)
    stages.push(
      createClusterTransform({
        clusters: 2,
        initialFrom: 'annotation',
        seed,
        ...assignment,
      }),
    );
  return stages;
}

/** Values of the `moveCost` option (see `ClusterTransformOptions.moveCost`). */
export const MOVE_COSTS = ['uniform', 'gradient'] as const;
export type MoveCost = (typeof MOVE_COSTS)[number];

/**
 * Defaults of cqat and pcqat where they differ from plain QAT's, chosen on the reference CNN with
 * the full Fashion-MNIST tree (tools/bench/size/leaves.ts, the tree's epochs=1; tables in the
 * README):
 *
 * - `entropyReduction` 0.08 with `moveCost` 'gradient': the cluster-index entropy of every kernel
 *   with a per-tensor codebook falls by 8 % (ramped in over the re-assigning steps),
 *   importance-weighted; a fixed `entropyWeight` shrank some seeds by 24 % and others not at all.
 *   Over seeds 0–9: CQAT 0.83–0.92× and PCQAT 0.91–0.95× of PTQ's deflated size, +0.09 / +0.04
 *   points, no seed significantly below PTQ (paired McNemar test).
 * - `reassignFraction` 0.5: the second half of the fine-tune keeps the indices (recovery phase).
 * - `rangeInit` 'firstBatch': TFMOT's [−6, 6] start leaves the activation ranges 3–7× wider than
 *   PTQ's calibrated ones after a 1-epoch fine-tune, so CQAT/PCQAT trailed PTQ.
 */
export const CLUSTER_QAT_DEFAULTS = {
  entropyReduction: 0.08,
  moveCost: 'gradient',
  reassignFraction: 0.5,
  rangeInit: 'firstBatch',
} as const;

/**
 * The last training step that re-assigns cluster indices when a fraction of the fine-tune does:
 * `fraction` × the run's steps (epochs × batches per epoch, capped by `maxSteps`), rounded down;
 * undefined (every step) for fraction 1.
 */
export function reassignUntilStep(fraction: number, run: FineTuneRun): number | undefined {
  if (fraction >= 1) return undefined;
  return Math.floor(fraction * fineTuneSteps(run));
}

/** The length of a fine-tune: samples, batch size, epochs and an optional cap on the steps. */
export interface FineTuneRun {
  readonly samples: number;
  readonly batchSize: number;
  readonly epochs: number;
  readonly maxSteps?: number;
}

/** Training steps of a fine-tune: epochs × batches per epoch, capped by `maxSteps`. */
export function fineTuneSteps(run: FineTuneRun): number {
  return Math.min(run.epochs * Math.ceil(run.samples / run.batchSize), run.maxSteps ?? Infinity);
}

/**
 * Options of a cluster-preserving QAT: QAT's (with `rangeInit` defaulting to the first batch) plus
 * the rate-aware assignment and the recovery phase.
 */
export function clusterQatOptions() {
  return defineOptions({
    ...QAT_OPTIONS,
    rangeInit: { ...QAT_OPTIONS.rangeInit, default: CLUSTER_QAT_DEFAULTS.rangeInit },
    entropyReduction: {
      kind: 'number',
      min: 0,
      max: 0.9,
      default: CLUSTER_QAT_DEFAULTS.entropyReduction,
      description:
        'rate-aware cluster assignment to a target: the cluster-index entropy (what a compressor pays per weight) of each kernel with a per-tensor codebook is brought to (1 − entropyReduction) × its starting entropy, ramped in linearly over the re-assigning steps (see reassignFraction); the trade-off λ is solved per kernel and step, so every such kernel shrinks by the same share whatever its weights; still ≤ k codes; per-channel and BatchNorm-folded codebooks keep nearest-centroid assignment; 0: off',
    },
    moveCost: {
      kind: 'enum',
      values: MOVE_COSTS,
      default: CLUSTER_QAT_DEFAULTS.moveCost,
      description:
        "what moving a weight to another cluster costs in the rate-aware assignment: its squared error ('uniform'), or its squared error times a running mean of its squared gradient ('gradient': weights the loss does not feel move first)",
    },
    entropyWeight: {
      kind: 'number',
      min: 0,
      default: 0,
      description:
        'the earlier, fixed rate-aware assignment: each weight joins the centroid minimising squared error + entropyWeight × (mean squared gap between adjacent centroids) × (−log2 cluster share); how much a kernel shrinks then depends on its weights (give entropyReduction=0 with it); 0: off',
    },
    reassignFraction: {
      kind: 'number',
      min: 0,
      max: 1,
      default: CLUSTER_QAT_DEFAULTS.reassignFraction,
      description:
        'share of the fine-tuning steps that re-assign cluster indices; afterwards (recovery phase) the indices are frozen, so the index histogram and the compressed size stay, while centroids and unclustered weights keep training; 1: every step (TFMOT)',
    },
  });
}

/**
 * The cluster assignment a cqat/pcqat run asks for; the cluster transform rejects contradictory
 * options (both a fixed weight and a target) when the pass builds it, before training.
 */
function clusterAssignment(options: Record<string, unknown>, run: FineTuneRun): ClusterAssignment {
  const until = reassignUntilStep(options.reassignFraction as number, run);
  return {
    entropyWeight: options.entropyWeight as number,
    entropyReduction: options.entropyReduction as number,
    entropyRampSteps: Math.max(1, until ?? fineTuneSteps(run)),
    moveCost: options.moveCost as MoveCost,
    ...(until !== undefined ? { reassignUntilStep: until } : {}),
  };
}

/**
 * Quantization-aware fine-tuning that keeps what earlier passes achieved: QAT's fake-quant stage
 * stacked on the preserving stages (mask → codebook → quantize), so the exported int8 kernels keep
 * the pruned zeros and at most k distinct values per codebook. Family 'qat': the pass manager
 * names these when plain qat drops sparsity or clusters.
 */
function collaborativeQat(name: string, description: string, keeps: Preservation) {
  const drops: AnnotationKind[] = [];
  if (!keeps.sparsity) drops.push('mask');
  if (!keeps.clusters) drops.push('codebook');
  return definePass({
    name,
    description,
    family: 'qat',
    options: keeps.clusters ? clusterQatOptions() : QAT_OPTIONS,
    preserves: [
      'quant',
      'range',
      ...(keeps.sparsity ? (['mask'] as const) : []),
      ...(keeps.clusters ? (['codebook'] as const) : []),
    ],
    drops,
    usesTeacher: true,
    run: (graph, ctx, options) => {
      const run: FineTuneRun = {
        samples: getDataSource(ctx, 'train')?.count ?? 0,
        batchSize: options.batchSize,
        epochs: options.epochs,
        ...(options.maxSteps !== undefined ? { maxSteps: options.maxSteps } : {}),
      };
      const assignment = keeps.clusters
        ? clusterAssignment(options as Record<string, unknown>, run)
        : undefined;
      return runQatPass(name, graph, ctx, options, {
        transforms: (seed) => preservingTransforms(keeps, seed, assignment),
        codebookAware: keeps.clusters,
      });
    },
  });
}

/** Prune-preserving QAT. */
export const pqat = collaborativeQat(
  'pqat',
  'prune-preserving QAT: int8 fake-quant training that keeps the pruned zeros',
  { sparsity: true, clusters: false },
);

/** Cluster-preserving QAT. */
export const cqat = collaborativeQat(
  'cqat',
  'cluster-preserving QAT: int8 fake-quant training that keeps ≤ k values per codebook',
  { sparsity: false, clusters: true },
);

/** Sparsity- and cluster-preserving QAT (the fully optimized leaf of the deployment tree). */
export const pcqat = collaborativeQat(
  'pcqat',
  'sparsity- and cluster-preserving QAT: keeps the zeros and the clusters (fully optimized leaf)',
  { sparsity: true, clusters: true },
);
