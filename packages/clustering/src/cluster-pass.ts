import {
  channelLayout,
  countNonZeros,
  countUnique,
  createRng,
  floatTensor,
  throwIfCancelled,
  type Graph,
  defineOptions,
  definePass,
  type OptionsOf,
  type PassContext,
  type PassResult,
  type Weight,
  type WeightCapabilities,
} from '@collabopt/core';
import {
  assignCodebook,
  codebookAnnotation,
  codebookValues,
  planCodebook,
  usedCentroids,
  type Codebook,
  type CodebookPlan,
} from './codebook';
import { createClusterTransform, weightKey } from './cluster-transform';
import { keepPrunedZerosTransform } from './keep-pruned-zeros';
import { clusterEligibility, clustersPerChannel } from './eligibility';
import { getDataSource, getEngine, TRAINING_LOSS_OPTIONS, trainingLossOf } from './engine-api';
import { CENTROID_INITS } from './initializers';

/** Options of the `cluster` pass (`sparsityPreservingCluster` has them all but preserveSparsity). */
export const CLUSTER_OPTIONS = defineOptions({
  clusters: {
    kind: 'integer',
    description: 'centroids per codebook (per tensor, or per channel)',
    default: 16,
    min: 2,
    max: 65536,
  },
  init: {
    kind: 'enum',
    description: 'centroid initialisation',
    values: CENTROID_INITS,
    default: 'kmeans++',
  },
  perChannel: {
    kind: 'boolean',
    description: 'one codebook per output channel of conv kernels (Dense keeps one, as TFMOT)',
    default: false,
  },
  preserveSparsity: {
    kind: 'boolean',
    description: 'pin a zero centroid and keep every zero weight at zero',
    default: false,
  },
  oneShot: {
    kind: 'boolean',
    description: 'k-means only, no fine-tuning (also used when no training data is given)',
    default: false,
  },
  kmeansIterations: {
    kind: 'integer',
    description:
      'Lloyd iterations after initialisation (default 100 one-shot, 0 before fine-tuning)',
    min: 0,
    optional: true,
  },
  epochs: { kind: 'integer', description: 'fine-tuning epochs', default: 1, min: 1 },
  batchSize: { kind: 'integer', description: 'fine-tuning batch size', default: 128, min: 1 },
  learningRate: {
    kind: 'number',
    description: 'Adam learning rate for fine-tuning',
    default: 1e-5,
    min: 0,
    exclusiveMin: true,
  },
  gradientAggregation: {
    kind: 'enum',
    description: 'centroid gradient: sum or mean of member gradients',
    values: ['sum', 'avg'],
    default: 'sum',
  },
  layers: {
    kind: 'strings',
    description: 'cluster only these layers (node names)',
    optional: true,
  },
  ...TRAINING_LOSS_OPTIONS,
});

/**
 * Resolved `cluster` options. kmeansIterations: Lloyd iterations after the initialiser, default 100
 * one-shot and 0 before fine-tuning (as TFMOT); layers: only these nodes (default every clusterable weight).
 */
export type ClusterPassOptions = OptionsOf<typeof CLUSTER_OPTIONS>;

/** Per-weight line of the pass report. */
export interface ClusterLayerReport {
  readonly node: string;
  readonly slot: string;
  readonly clusters: number;
  /** Codebooks (1 per tensor, channel count per channel). */
  readonly codebooks: number;
  readonly uniqueValues: number;
  /** Most distinct values in one channel (per-channel codebooks). */
  readonly maxUniquePerCodebook: number;
  readonly sparsityBefore: number;
  readonly sparsityAfter: number;
  /** Channels (rows) with fewer distinct values than centroids: their exact values were kept. */
  readonly fewDistinctChannels: readonly number[];
}

export interface ClusterSkip {
  readonly node: string;
  readonly slot: string;
  readonly reason: string;
}

export interface ClusterReport {
  readonly mode: 'one-shot' | 'fine-tune';
  readonly layers: readonly ClusterLayerReport[];
  readonly skipped: readonly ClusterSkip[];
  readonly history?: unknown;
}

interface Target {
  readonly node: string;
  readonly slot: string;
  readonly weight: Weight;
  readonly capabilities: WeightCapabilities;
  readonly plan: CodebookPlan;
  readonly frozen?: Uint8Array;
  readonly sparsityBefore: number;
}

function sparsityOf(data: Float32Array): number {
  return data.length === 0 ? 0 : 1 - countNonZeros(data) / data.length;
}

/** Elements to keep at zero: the weight's zeros and its mask's zeros. */
function frozenOf(weight: Weight): Uint8Array {
  const data = weight.tensor.data as Float32Array;
  const mask = weight.annotations.mask?.mask;
  return Uint8Array.from(data, (v, i) =>
    v === 0 || (mask !== undefined && mask[i] === 0) ? 0 : 1,
  );
}

/**
 * The clustering pass (tfmot-spec §2): one-shot k-means, or initialisation plus fine-tuning. It may
 * break pruning masks (unless preserveSparsity is set); after `prune` the pass manager then warns and
 * names sparsityPreservingCluster.
 */
export const cluster = definePass({
  name: 'cluster',
  description:
    'weight clustering: k-means codebooks (per tensor or per channel), one-shot or fine-tuned',
  family: 'cluster',
  options: CLUSTER_OPTIONS,
  preserves: ['codebook'],
  drops: ['mask', 'quant'],
  usesTeacher: true,
  run: (graph, ctx, options) => runClustering('cluster', graph, ctx, options),
});

const { preserveSparsity: _fixedTrue, ...SPARSITY_PRESERVING_CLUSTER_OPTIONS } = CLUSTER_OPTIONS;

/** Clustering that keeps the pruned zeros: `cluster` with preserveSparsity fixed to true. */
export const sparsityPreservingCluster = definePass({
  name: 'sparsityPreservingCluster',
  description: 'clustering that keeps the pruned zeros: zero centroid pinned at 0, zeros frozen',
  family: 'cluster',
  options: SPARSITY_PRESERVING_CLUSTER_OPTIONS,
  preserves: ['codebook', 'mask'],
  drops: ['quant'],
  usesTeacher: true,
  run: (graph, ctx, options) =>
    runClustering('sparsityPreservingCluster', graph, ctx, { ...options, preserveSparsity: true }),
});

async function runClustering(
  name: string,
  graph: Graph,
  ctx: PassContext,
  o: ClusterPassOptions,
): Promise<PassResult> {
  const given = o.oneShot ? undefined : getDataSource(ctx, 'train');
  const train = given !== undefined && given.count > 0 ? given : undefined;
  const oneShot = train === undefined;
  if (!o.oneShot && oneShot)
    ctx.logger.info(`${name}: no training data in the context, clustering one-shot (k-means only)`);
  const rng = createRng(ctx.seed);
  const skipped: ClusterSkip[] = [];
  const targets: Target[] = [];
  const known = new Set(graph.nodes.map((n) => n.name));
  for (const name of o.layers ?? []) {
    if (!known.has(name)) ctx.logger.warn(`${name}: layer "${name}" is not in the graph`);
  }
  for (const node of graph.nodes) {
    if (o.layers !== undefined && !o.layers.includes(node.name)) continue;
    for (const slot of ctx.registry.weightSlots(node)) {
      const weight = node.weights[slot.name];
      if (weight === undefined || !slot.capabilities.clusterable) continue;
      const eligible = clusterEligibility(weight, slot.capabilities, o.clusters, o.perChannel);
      if (!eligible.ok) {
        skipped.push({ node: node.name, slot: slot.name, reason: eligible.message });
        ctx.logger.warn(`${name}: ${node.name}/${slot.name}: ${eligible.message}`);
        continue;
      }
      throwIfCancelled(ctx.signal, `${name} planning`);
      const perChannel = clustersPerChannel(slot.capabilities, o.perChannel);
      const data = weight.tensor.data as Float32Array;
      const frozen = o.preserveSparsity ? frozenOf(weight) : undefined;
      const plan = planCodebook(
        data,
        weight.tensor.shape,
        {
          clusters: o.clusters,
          init: o.init,
          perChannel,
          ...(perChannel ? { channelAxes: slot.capabilities.channelAxes } : {}),
          preserveSparsity: o.preserveSparsity,
          kmeansIterations: o.kmeansIterations ?? (oneShot ? 100 : 0),
          rng: rng.fork(),
          ...(frozen ? { frozen } : {}),
        },
        { node: node.name, field: slot.name, pass: name },
      );
      if (plan.fewDistinctRows.length > 0) {
        ctx.logger.info(
          `${name}: ${node.name}/${slot.name}: ${plan.fewDistinctRows.length} ${perChannel ? 'channel(s)' : 'tensor'} with fewer distinct values than ${o.clusters} clusters keep their exact values`,
        );
      }
      targets.push({
        node: node.name,
        slot: slot.name,
        weight,
        capabilities: slot.capabilities,
        plan,
        ...(frozen ? { frozen } : {}),
        sparsityBefore: sparsityOf(data),
      });
    }
  }

  let history: unknown;
  if (oneShot) {
    const task = ctx.progress.start(`${name} (one-shot)`, targets.length, ' weights');
    targets.forEach((t, i) => {
      throwIfCancelled(ctx.signal, name);
      const shape = t.weight.tensor.shape;
      const indices = assignCodebook(t.weight.tensor.data as Float32Array, shape, t.plan, t.frozen);
      t.weight.tensor = floatTensor(shape, codebookValues(shape, t.plan, indices));
      t.weight.annotations.codebook = codebookAnnotation(t.plan, indices);
      task.update(i + 1);
    });
    task.finish();
    graph.touch();
  } else if (targets.length > 0) {
    const engine = await getEngine(ctx);
    const codebooks = new Map<string, Codebook>(
      targets.map((t) => [weightKey(t.node, t.slot), t.plan]),
    );
    const transform = createClusterTransform({
      clusters: o.clusters,
      init: o.init,
      perChannel: o.perChannel,
      preserveSparsity: o.preserveSparsity,
      gradientAggregation: o.gradientAggregation,
      seed: ctx.seed,
      codebooks,
    });
    // Fine-tuning trains every weight: the masked weights left unclustered keep their zeros too.
    const keepZeros = o.preserveSparsity
      ? [keepPrunedZerosTransform((t) => !codebooks.has(weightKey(t.node.name, t.slot)))]
      : [];
    const validation = getDataSource(ctx, 'validation');
    const result = await engine.fit(graph, train, {
      epochs: o.epochs,
      batchSize: o.batchSize,
      optimizer: 'adam',
      learningRate: o.learningRate,
      seed: ctx.seed,
      weightTransforms: [...keepZeros, transform],
      ...trainingLossOf(o),
      ...(ctx.teacher ? { teacher: ctx.teacher } : {}),
      ...(validation ? { validation } : {}),
      progress: ctx.progress,
      label: 'fine-tune',
      ...(ctx.signal ? { signal: ctx.signal } : {}),
    });
    history = result.history;
  }

  const layers = targets.map((t): ClusterLayerReport => {
    const data = t.weight.tensor.data as Float32Array;
    const ann = t.weight.annotations.codebook;
    const perCodebook = ann
      ? usedCentroids(
          {
            ...t.plan,
            ...ann,
            rows: ann.channelAxes ? channelLayout(t.weight.tensor.shape, ann.channelAxes).count : 1,
          },
          t.weight.tensor.shape,
          ann.indices,
        )
      : [];
    return {
      node: t.node,
      slot: t.slot,
      clusters: o.clusters,
      codebooks: t.plan.rows,
      uniqueValues: countUnique(data),
      maxUniquePerCodebook: perCodebook.reduce((a, b) => Math.max(a, b), 0),
      sparsityBefore: t.sparsityBefore,
      sparsityAfter: sparsityOf(data),
      fewDistinctChannels: t.plan.fewDistinctRows,
    };
  });
  const report: ClusterReport = {
    mode: oneShot ? 'one-shot' : 'fine-tune',
    layers,
    skipped,
    ...(history !== undefined ? { history } : {}),
  };
  return { changed: targets.length > 0, report: report as unknown as Record<string, unknown> };
}
