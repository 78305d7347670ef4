import type { AnnotationKind, Pass } from '@collabopt/core';
import { createClusterTransform } from '@collabopt/clustering';
import type { WeightTransform } from '@collabopt/engine';
import { pruningTransform } from '@collabopt/pruning';
import { createQatPass, type QatOptions, type QatVariant } from '@collabopt/quantization';

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
export function preservingTransforms(p: Preservation, seed = 0): WeightTransform[] {
  const stages: WeightTransform[] = [];
  if (p.sparsity)
    stages.push(pruningTransform({ policy: { allow: () => false }, keepExistingMasks: true }));
  if (p.clusters)
    stages.push(createClusterTransform({ clusters: 2, initialFrom: 'annotation', seed }));
  return stages;
}

/** Annotation kinds a plain QAT would break but this variant keeps. */
export function droppedKinds(p: Preservation): AnnotationKind[] {
  const drops: AnnotationKind[] = [];
  if (!p.sparsity) drops.push('mask');
  if (!p.clusters) drops.push('codebook');
  return drops;
}

/** The QAT variant that keeps `p`: its contracts and preserving stages. */
export function collaborativeVariant(name: string, p: Preservation): QatVariant {
  return {
    name,
    preserves: [
      'quant',
      'range',
      ...(p.sparsity ? (['mask'] as const) : []),
      ...(p.clusters ? (['codebook'] as const) : []),
    ],
    drops: droppedKinds(p),
    preservingTransforms: (seed) => preservingTransforms(p, seed),
    codebookAware: p.clusters,
  };
}

/**
 * Quantization-aware fine-tuning that keeps what earlier passes achieved: QAT's fake-quant stage
 * stacked on the preserving stages (mask → codebook → quantize), so the exported int8 kernels keep
 * the pruned zeros and at most k distinct values per codebook.
 */
export function createCollaborativeQatPass(
  name: string,
  p: Preservation,
  options: Partial<QatOptions> = {},
): Pass {
  return createQatPass(options, collaborativeVariant(name, p));
}
