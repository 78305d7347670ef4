import { defaultPassRegistry, type PassRegistry } from '@collabopt/core';
import { cluster, sparsityPreservingCluster } from './cluster-pass';

/** The passes this package contributes to text pipelines. */
export const clusteringPasses = [cluster, sparsityPreservingCluster] as const;

/**
 * Register `cluster` and its collaborative sibling `sparsityPreservingCluster`
 * (= cluster(preserveSparsity=true)), so pipelines read like the deployment tree. Plain `cluster`
 * declares that it drops the pruning mask, so after `prune` the pass manager warns and names
 * sparsityPreservingCluster. Idempotent.
 */
export function registerClusteringPasses(registry: PassRegistry = defaultPassRegistry): void {
  for (const def of clusteringPasses) if (!registry.has(def.name)) registry.register(def);
}
