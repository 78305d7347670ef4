import { InvalidArgumentError, parsePipeline } from '@collabopt/core';

/**
 * The deployment tree of DESIGN.md as data: branches are optimized float models (each built from
 * its parent by a pipeline), leaves are quantized, deployable files built from a branch.
 */
export interface TreeBranch {
  readonly id: string;
  /** Parent branch id; undefined for the baseline. */
  readonly from?: string;
  /** Text pipeline that builds this branch from its parent; undefined for the baseline. */
  readonly pipeline?: string;
  readonly label: string;
}

export interface TreeLeaf {
  readonly id: string;
  /** The branch this leaf is quantized from. */
  readonly from: string;
  /** Text pipeline ending in a quantizing pass (ptq, qat, pqat, cqat, pcqat). */
  readonly pipeline: string;
  readonly label: string;
  /** Passes this leaf needs; a leaf whose passes are not registered is reported as unavailable. */
  readonly requires: readonly string[];
}

export interface TreePlan {
  /** In build order: every branch's parent comes before it; the first is the baseline. */
  readonly branches: readonly TreeBranch[];
  readonly leaves: readonly TreeLeaf[];
}

/** The knobs of the standard tree (`collabopt tree --sparsity … --clusters …`). */
export interface TreePlanOptions {
  /** Target kernel sparsity of the pruned branch, in [0, 1). */
  readonly sparsity: number;
  /** Clusters (centroids) per kernel, or per channel with `perChannel`. */
  readonly clusters: number;
  /** One codebook per output channel instead of per kernel (recommended for convolutions). */
  readonly perChannel: boolean;
  readonly pruneEpochs: number;
  readonly clusterEpochs: number;
  readonly qatEpochs: number;
  /**
   * Fine-tuning learning rate of every training pass; undefined keeps each pass's own default
   * (and 1e-4 for clustering, which the clustering benchmark measured).
   */
  readonly learningRate?: number;
  /**
   * Training steps between pruning mask updates; undefined keeps prune's default (100). Small
   * data sets need a lower one: see `pruneFrequencyFor`.
   */
  readonly pruneFrequency?: number;
}

/** Fine-tuning batch size of the tree's training passes (their default). */
export const TREE_BATCH_SIZE = 128;

/**
 * A pruning frequency that updates the masks at least 4 times during `epochs` epochs over
 * `trainSamples` samples, or undefined when prune's default of every 100 steps already does.
 */
export function pruneFrequencyFor(trainSamples: number, epochs: number): number | undefined {
  const steps = Math.ceil(trainSamples / TREE_BATCH_SIZE) * epochs;
  return steps >= 500 ? undefined : Math.max(1, Math.floor(steps / 5));
}

export const DEFAULT_TREE_OPTIONS: TreePlanOptions = {
  sparsity: 0.5,
  clusters: 16,
  perChannel: false,
  pruneEpochs: 2,
  clusterEpochs: 1,
  qatEpochs: 1,
};

/** Lloyd-refined initial centroids and a fine-tuning rate that the clustering benchmark measured (≤ 0.7 points at 16 clusters). */
const CLUSTER_KMEANS_ITERATIONS = 100;
const CLUSTER_LEARNING_RATE = 0.0001;

function checkOptions(o: TreePlanOptions): void {
  const fail = (field: string, what: string, got: unknown): never => {
    throw new InvalidArgumentError(`tree option ${field} must be ${what}, got ${String(got)}`, {
      field,
    });
  };
  if (!(o.sparsity >= 0 && o.sparsity < 1)) fail('sparsity', 'in [0, 1)', o.sparsity);
  if (!Number.isInteger(o.clusters) || o.clusters < 2 || o.clusters > 256)
    fail('clusters', 'an integer in 2..256', o.clusters);
  for (const f of ['pruneEpochs', 'clusterEpochs', 'qatEpochs'] as const)
    if (!Number.isInteger(o[f]) || o[f] < 1) fail(f, 'an integer ≥ 1', o[f]);
  if (o.learningRate !== undefined && !(o.learningRate > 0 && o.learningRate < 1))
    fail('learningRate', 'in (0, 1)', o.learningRate);
  if (
    o.pruneFrequency !== undefined &&
    !(Number.isInteger(o.pruneFrequency) && o.pruneFrequency >= 1)
  )
    fail('pruneFrequency', 'an integer ≥ 1', o.pruneFrequency);
  if (typeof o.perChannel !== 'boolean') fail('perChannel', 'true or false', o.perChannel);
}

/** Pass names of a text pipeline, in order, without duplicates. */
export function pipelinePasses(pipeline: string): string[] {
  return [...new Set(parsePipeline(pipeline).map((s) => s.name))];
}

/** The standard deployment tree: baseline, pruned, pruned → sparsity-preserving clustered, clustered; PTQ and a QAT flavour on each. */
export function treePlan(options: Partial<TreePlanOptions> = {}): TreePlan {
  const o: TreePlanOptions = { ...DEFAULT_TREE_OPTIONS, ...options };
  checkOptions(o);
  const lr = (fallback?: number): string => {
    const rate = o.learningRate ?? fallback;
    return rate === undefined ? '' : `, learningRate=${rate}`;
  };
  const clusterArgs = `clusters=${o.clusters}, epochs=${o.clusterEpochs}, kmeansIterations=${CLUSTER_KMEANS_ITERATIONS}${lr(CLUSTER_LEARNING_RATE)}${o.perChannel ? ', perChannel=true' : ''}`;
  const branches: TreeBranch[] = [
    { id: 'baseline', label: 'baseline (float)' },
    {
      id: 'pruned',
      from: 'baseline',
      pipeline: `prune(sparsity=${o.sparsity}, epochs=${o.pruneEpochs}${lr()}${o.pruneFrequency !== undefined ? `, frequency=${o.pruneFrequency}` : ''})`,
      label: 'pruned',
    },
    {
      id: 'pruned-clustered',
      from: 'pruned',
      pipeline: `sparsityPreservingCluster(${clusterArgs})`,
      label: 'pruned → sparsity-preserving clustering',
    },
    {
      id: 'clustered',
      from: 'baseline',
      pipeline: `cluster(${clusterArgs})`,
      label: 'clustered',
    },
  ];
  const ptq = 'ptq(mode=int8)';
  const qat = (name: string): string => `${name}(epochs=${o.qatEpochs}${lr()})`;
  const leaf = (id: string, from: string, pipeline: string, label: string): TreeLeaf => ({
    id,
    from,
    pipeline,
    label,
    requires: pipelinePasses(pipeline),
  });
  const leaves: TreeLeaf[] = [
    leaf('baseline-ptq', 'baseline', ptq, 'baseline → PTQ'),
    leaf('baseline-qat', 'baseline', qat('qat'), 'baseline → QAT'),
    leaf('pruned-ptq', 'pruned', ptq, 'pruned → PTQ'),
    leaf('pruned-pqat', 'pruned', qat('pqat'), 'pruned → PQAT'),
    leaf('pruned-clustered-ptq', 'pruned-clustered', ptq, 'pruned → sp-clustered → PTQ'),
    leaf(
      'pruned-clustered-pcqat',
      'pruned-clustered',
      qat('pcqat'),
      'pruned → sp-clustered → PCQAT',
    ),
    leaf('clustered-ptq', 'clustered', ptq, 'clustered → PTQ'),
    leaf('clustered-cqat', 'clustered', qat('cqat'), 'clustered → CQAT'),
  ];
  return { branches, leaves };
}

/** Check a plan's structure: unique ids, parents before children, parseable pipelines. */
export function checkTreePlan(plan: TreePlan): void {
  const fail = (message: string, field: string): never => {
    throw new InvalidArgumentError(`tree plan: ${message}`, { field });
  };
  const seen = new Set<string>();
  plan.branches.forEach((b, i) => {
    if (typeof b.id !== 'string' || b.id === '') fail(`branch ${i} has no id`, `branches[${i}].id`);
    if (seen.has(b.id)) fail(`id "${b.id}" is used twice`, `branches[${i}].id`);
    if (i === 0 && (b.from !== undefined || b.pipeline !== undefined))
      fail(
        `the first branch "${b.id}" is the baseline: it has no "from" or "pipeline"`,
        'branches[0]',
      );
    if (i > 0) {
      if (b.from === undefined || !seen.has(b.from))
        fail(`branch "${b.id}" must name an earlier branch in "from"`, `branches[${i}].from`);
      if (typeof b.pipeline !== 'string' || b.pipeline.trim() === '')
        fail(`branch "${b.id}" has no pipeline`, `branches[${i}].pipeline`);
      parsePipeline(b.pipeline!);
    }
    seen.add(b.id);
  });
  if (plan.branches.length === 0) fail('no branches (the first one is the baseline)', 'branches');
  plan.leaves.forEach((l, i) => {
    if (typeof l.id !== 'string' || l.id === '') fail(`leaf ${i} has no id`, `leaves[${i}].id`);
    if (seen.has(l.id)) fail(`id "${l.id}" is used twice`, `leaves[${i}].id`);
    if (!seen.has(l.from))
      fail(`leaf "${l.id}" names an unknown branch "${l.from}"`, `leaves[${i}].from`);
    if (typeof l.pipeline !== 'string' || l.pipeline.trim() === '')
      fail(`leaf "${l.id}" has no pipeline`, `leaves[${i}].pipeline`);
    parsePipeline(l.pipeline);
    seen.add(l.id);
  });
}
