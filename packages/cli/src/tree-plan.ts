/**
 * The deployment tree of DESIGN.md as data: branches are optimized float models (each built from
 * its parent by a pipeline), leaves are quantized, deployable files built from a branch.
 */
export interface TreeBranch {
  readonly id: string;
  /** Parent branch id; undefined for the baseline. */
  readonly from?: string;
  readonly pipeline?: string;
  readonly label: string;
}

export interface TreeLeaf {
  readonly id: string;
  readonly from: string;
  readonly pipeline: string;
  readonly label: string;
  /** Passes this leaf needs; a leaf whose passes are not registered is reported as unavailable. */
  readonly requires: readonly string[];
}

export interface TreePlanOptions {
  sparsity: number;
  clusters: number;
  pruneEpochs: number;
  clusterEpochs: number;
  qatEpochs: number;
}

/** Lloyd-refined initial centroids and a fine-tuning rate that the clustering benchmark measured (≤ 0.7 points at 16 clusters). */
const CLUSTER_TUNING = 'kmeansIterations=100, learningRate=0.0001';

export const DEFAULT_TREE_OPTIONS: TreePlanOptions = {
  sparsity: 0.5,
  clusters: 16,
  pruneEpochs: 2,
  clusterEpochs: 1,
  qatEpochs: 1,
};

export function treePlan(o: TreePlanOptions = DEFAULT_TREE_OPTIONS): {
  branches: TreeBranch[];
  leaves: TreeLeaf[];
} {
  const branches: TreeBranch[] = [
    { id: 'baseline', label: 'baseline (float)' },
    {
      id: 'pruned',
      from: 'baseline',
      pipeline: `prune(sparsity=${o.sparsity}, epochs=${o.pruneEpochs})`,
      label: 'pruned',
    },
    {
      id: 'pruned-clustered',
      from: 'pruned',
      pipeline: `sparsityPreservingCluster(clusters=${o.clusters}, epochs=${o.clusterEpochs}, ${CLUSTER_TUNING})`,
      label: 'pruned → sparsity-preserving clustering',
    },
    {
      id: 'clustered',
      from: 'baseline',
      pipeline: `cluster(clusters=${o.clusters}, epochs=${o.clusterEpochs}, ${CLUSTER_TUNING})`,
      label: 'clustered',
    },
  ];
  const ptq = 'ptq(mode=int8)';
  const qat = (name: string): string => `${name}(epochs=${o.qatEpochs})`;
  const leaves: TreeLeaf[] = [
    {
      id: 'baseline-ptq',
      from: 'baseline',
      pipeline: ptq,
      label: 'baseline → PTQ',
      requires: ['ptq'],
    },
    {
      id: 'baseline-qat',
      from: 'baseline',
      pipeline: qat('qat'),
      label: 'baseline → QAT',
      requires: ['qat'],
    },
    { id: 'pruned-ptq', from: 'pruned', pipeline: ptq, label: 'pruned → PTQ', requires: ['ptq'] },
    {
      id: 'pruned-pqat',
      from: 'pruned',
      pipeline: qat('pqat'),
      label: 'pruned → PQAT',
      requires: ['pqat'],
    },
    {
      id: 'pruned-clustered-ptq',
      from: 'pruned-clustered',
      pipeline: ptq,
      label: 'pruned → sp-clustered → PTQ',
      requires: ['ptq'],
    },
    {
      id: 'pruned-clustered-pcqat',
      from: 'pruned-clustered',
      pipeline: qat('pcqat'),
      label: 'pruned → sp-clustered → PCQAT',
      requires: ['pcqat'],
    },
    {
      id: 'clustered-ptq',
      from: 'clustered',
      pipeline: ptq,
      label: 'clustered → PTQ',
      requires: ['ptq'],
    },
    {
      id: 'clustered-cqat',
      from: 'clustered',
      pipeline: qat('cqat'),
      label: 'clustered → CQAT',
      requires: ['cqat'],
    },
  ];
  return { branches, leaves };
}
