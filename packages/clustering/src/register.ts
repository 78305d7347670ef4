import { defaultPassRegistry, type PassRegistry } from '@collabopt/core';
import { CLUSTER_OPTIONS, ClusterPass, type ClusterPassOptions } from './cluster-pass';

/**
 * Register `cluster` and its collaborative alias `sparsityPreservingCluster`
 * (= cluster(preserveSparsity=true)), so pipelines read like the deployment tree. Plain `cluster`
 * declares that it drops the pruning mask, so after `prune` the pass manager warns and names
 * sparsityPreservingCluster. Idempotent.
 */
export function registerClusteringPasses(registry: PassRegistry = defaultPassRegistry): void {
  if (!registry.has('cluster')) {
    registry.register<ClusterPassOptions>({
      name: 'cluster',
      description:
        'weight clustering: k-means codebooks (per tensor or per channel), one-shot or fine-tuned',
      family: 'cluster',
      options: CLUSTER_OPTIONS,
      preserves: ['codebook'],
      drops: ['mask', 'quant'],
      create: (options) => new ClusterPass(options),
    });
  }
  if (!registry.has('sparsityPreservingCluster')) {
    registry.alias(
      'sparsityPreservingCluster',
      'cluster',
      { preserveSparsity: true },
      'clustering that keeps the pruned zeros: zero centroid pinned at 0, zeros frozen',
      { preserves: ['codebook', 'mask'], drops: ['quant'] },
    );
  }
}
