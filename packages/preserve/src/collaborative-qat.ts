import { defineOptions, definePass, type AnnotationKind } from '@collabopt/core';
import { createClusterTransform } from '@collabopt/clustering';
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
 * The preserving stages that run before the fake-quant: a mask stage that only keeps existing
 * masks fixed (it prunes nothing new), and a codebook stage that starts from each weight's
 * existing codebook and trains its centroids (indices re-assigned every step, zero centroid pinned
 * when the codebook has one).
 */
export function preservingTransforms(
  p: Preservation,
  seed = 0,
  entropyWeight = 0,
  reassignUntilStep?: number,
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
        entropyWeight,
        ...(reassignUntilStep !== undefined ? { reassignUntilStep } : {}),
      }),
    );
  return stages;
}

/**
 * Default `entropyWeight` of cqat and pcqat: one bit of index entropy saved is worth this many
 * times the codebook row's mean squared gap between adjacent centroids, in squared error. Chosen
 * on the reference CNN (tools/bench/size/leaves.ts, 60k/10k Fashion-MNIST, the tree's epochs=1):
 * each the smallest tried weight reaching ≤ 0.97× PTQ's deflated size on seeds 0, 1 and 2 (CQAT
 * 0.841×/0.911×/0.882× at −0.07/+0.44/+0.10 points; PCQAT 0.876×/0.900×/0.875× at
 * +0.17/−0.22/−0.31 points). One weight does not serve both, probably because PCQAT's free
 * centroids straddle the pruned-away zero region, whose wide gap raises its rows' mean squared
 * gap: PCQAT at 0.15 already costs 0.2–0.4 points (0.83×), CQAT at 0.15 stays at 1.000× on seed 0.
 * Retuned under `rangeInit=firstBatch` over seeds 0–4 (README): no weight reached ≤ 0.97× at equal
 * or better accuracy on every seed, so these stay.
 */
export const DEFAULT_ENTROPY_WEIGHT = { cqat: 0.2, pcqat: 0.1 } as const;

/**
 * Default `reassignFraction` of cqat and pcqat: the share of the fine-tuning steps that re-assign
 * cluster indices before the recovery phase freezes them. 1 (no recovery phase): on the reference
 * CNN (tools/bench/size/leaves.ts, full Fashion-MNIST, seeds 0–4, table in the README) 0.5 kept
 * the deflated size and moved accuracy against PTQ by less than the seed-to-seed spread.
 */
export const DEFAULT_REASSIGN_FRACTION = 1;

/**
 * The last training step that re-assigns cluster indices when a fraction of the fine-tune does:
 * `fraction` × the run's steps (epochs × batches per epoch, capped by `maxSteps`), rounded down;
 * undefined (every step) for fraction 1.
 */
export function reassignUntilStep(
  fraction: number,
  run: { samples: number; batchSize: number; epochs: number; maxSteps?: number },
): number | undefined {
  if (fraction >= 1) return undefined;
  const steps = Math.min(
    run.epochs * Math.ceil(run.samples / run.batchSize),
    run.maxSteps ?? Infinity,
  );
  return Math.floor(fraction * steps);
}

/**
 * Options of a cluster-preserving QAT: QAT's plus the rate-aware assignment's weight and the
 * recovery phase.
 */
export function clusterQatOptions(defaultEntropyWeight: number) {
  return defineOptions({
    ...QAT_OPTIONS,
    entropyWeight: {
      kind: 'number',
      min: 0,
      default: defaultEntropyWeight,
      description:
        'rate-aware cluster assignment while fine-tuning: each weight joins the centroid minimising squared error + entropyWeight × (mean squared gap between adjacent centroids) × (−log2 cluster share), so rare clusters lose members and the int8 kernels deflate smaller (still ≤ k codes); 0: nearest centroid (TFMOT)',
    },
    reassignFraction: {
      kind: 'number',
      min: 0,
      max: 1,
      default: DEFAULT_REASSIGN_FRACTION,
      description:
        'share of the fine-tuning steps that re-assign cluster indices; afterwards (recovery phase) the indices are frozen, so the index histogram and the compressed size stay, while centroids and unclustered weights keep training; 1: every step (TFMOT)',
    },
  });
}

/**
 * Quantization-aware fine-tuning that keeps what earlier passes achieved: QAT's fake-quant stage
 * stacked on the preserving stages (mask → codebook → quantize), so the exported int8 kernels keep
 * the pruned zeros and at most k distinct values per codebook. Family 'qat': the pass manager
 * names these when plain qat drops sparsity or clusters.
 */
function collaborativeQat(
  name: string,
  description: string,
  keeps: Preservation,
  defaultEntropyWeight = 0,
) {
  const drops: AnnotationKind[] = [];
  if (!keeps.sparsity) drops.push('mask');
  if (!keeps.clusters) drops.push('codebook');
  return definePass({
    name,
    description,
    family: 'qat',
    options: keeps.clusters ? clusterQatOptions(defaultEntropyWeight) : QAT_OPTIONS,
    preserves: [
      'quant',
      'range',
      ...(keeps.sparsity ? (['mask'] as const) : []),
      ...(keeps.clusters ? (['codebook'] as const) : []),
    ],
    drops,
    usesTeacher: true,
    run: (graph, ctx, options) => {
      const fraction = 'reassignFraction' in options ? (options.reassignFraction as number) : 1;
      const until = reassignUntilStep(fraction, {
        samples: getDataSource(ctx, 'train')?.count ?? 0,
        batchSize: options.batchSize,
        epochs: options.epochs,
        ...(options.maxSteps !== undefined ? { maxSteps: options.maxSteps } : {}),
      });
      return runQatPass(name, graph, ctx, options, {
        transforms: (seed) =>
          preservingTransforms(
            keeps,
            seed,
            'entropyWeight' in options ? (options.entropyWeight as number) : 0,
            until,
          ),
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
  DEFAULT_ENTROPY_WEIGHT.cqat,
);

/** Sparsity- and cluster-preserving QAT (the fully optimized leaf of the deployment tree). */
export const pcqat = collaborativeQat(
  'pcqat',
  'sparsity- and cluster-preserving QAT: keeps the zeros and the clusters (fully optimized leaf)',
  { sparsity: true, clusters: true },
  DEFAULT_ENTROPY_WEIGHT.pcqat,
);
