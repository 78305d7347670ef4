import {
  defaultPassRegistry,
  InvalidArgumentError,
  throwIfCancelled,
  type Graph,
  defineOptions,
  definePass,
  type OptionsOf,
  type PassContext,
  type PassRegistry,
  type PassResult,
} from '@collabopt/core';
import { applyMasks } from './apply-masks';
import {
  getDataSource,
  getEngine,
  TRAINING_LOSS_OPTIONS,
  trainingLossOf,
  type DataSource,
  type Dataset,
  type Engine,
} from '@collabopt/engine';
import { selectPrunableWeights, type PruningPolicy } from './policy';
import { pruningTransform } from './pruning-transform';
import { pruningReport, type LayerSparsity } from './report';
import { constantSparsity, polynomialDecay, pruningSteps, type PruningSchedule } from './schedules';
import {
  checkStructure,
  checkWeightFits,
  float32Data,
  normalizeStructure,
  structureTarget,
  type MaskStructure,
} from './structure';

/** Options of the `prune` pass (text pipelines: `prune(sparsity=0.8, schedule=polynomial, epochs=2)`). */
export const PRUNE_OPTIONS = defineOptions({
  sparsity: {
    kind: 'number',
    description: 'final target sparsity',
    default: 0.5,
    min: 0,
    max: 1,
    exclusiveMax: true,
  },
  schedule: {
    kind: 'enum',
    description: 'pruning schedule',
    values: ['constant', 'polynomial'],
    default: 'constant',
  },
  initialSparsity: {
    kind: 'number',
    description: 'polynomial schedule: sparsity at beginStep',
    default: 0,
    min: 0,
    max: 1,
    exclusiveMax: true,
  },
  beginStep: {
    kind: 'integer',
    description: 'first training step that may update masks',
    default: 0,
    min: 0,
  },
  endStep: {
    kind: 'integer',
    description: 'last step that may update masks (−1: end of training)',
    default: -1,
    min: -1,
  },
  frequency: { kind: 'integer', description: 'steps between mask updates', default: 100, min: 1 },
  power: { kind: 'number', description: 'polynomial schedule exponent', default: 3 },
  epochs: { kind: 'integer', description: 'fine-tuning epochs', default: 2, min: 0 },
  batchSize: { kind: 'integer', description: 'fine-tuning batch size', default: 128, min: 1 },
  optimizer: {
    kind: 'enum',
    description: 'fine-tuning optimizer',
    values: ['adam', 'sgd'],
    default: 'adam',
  },
  learningRate: {
    kind: 'number',
    description: 'fine-tuning learning rate',
    default: 1e-4,
    min: 0,
    exclusiveMin: true,
  },
  blockSize: {
    kind: 'numbers',
    description: 'block [height, width] for block sparsity of rank-2 weights',
    default: [1, 1],
    min: 1,
  },
  blockPooling: {
    kind: 'enum',
    description: 'how a block is scored',
    values: ['avg', 'max'],
    default: 'avg',
  },
  m: { kind: 'integer', description: 'm:n sparsity: zeros per group', optional: true, min: 1 },
  n: {
    kind: 'integer',
    description: 'm:n sparsity: group length along input channels',
    optional: true,
    min: 2,
  },
  layers: {
    kind: 'strings',
    description: 'prune only these layers (names or /regex/)',
    optional: true,
  },
  ops: { kind: 'strings', description: 'prune only layers of these op types', optional: true },
  exclude: {
    kind: 'strings',
    description: 'never prune these layers (names or /regex/)',
    optional: true,
  },
  excludeOps: {
    kind: 'strings',
    description: 'never prune layers of these op types',
    optional: true,
  },
  oneShot: {
    kind: 'boolean',
    description: 'prune by magnitude without fine-tuning',
    default: false,
  },
  ...TRAINING_LOSS_OPTIONS,
});

/**
 * Resolved `prune` options. m:n structured sparsity needs both m and n; endStep −1: constant prunes
 * until training ends, polynomial reaches `sparsity` at the last training step.
 */
export type PruneOptions = OptionsOf<typeof PRUNE_OPTIONS>;

/** The mask structure the options ask for (typed errors for inconsistent combinations). */
export function structureFromOptions(
  o: Pick<PruneOptions, 'blockSize' | 'blockPooling' | 'm' | 'n'>,
): MaskStructure {
  if ((o.m === undefined) !== (o.n === undefined)) {
    throw new InvalidArgumentError('m:n sparsity needs both m and n (e.g. m=2, n=4)', {
      field: o.m === undefined ? 'm' : 'n',
    });
  }
  if (o.blockSize.length !== 2 || !o.blockSize.every((x) => Number.isInteger(x) && x >= 1)) {
    throw new InvalidArgumentError(
      `blockSize must be [height, width] of integers ≥ 1, got [${o.blockSize.join(', ')}]`,
      { field: 'blockSize' },
    );
  }
  const block: MaskStructure = {
    kind: 'block',
    blockSize: [o.blockSize[0]!, o.blockSize[1]!],
    pooling: o.blockPooling,
  };
  if (o.m !== undefined && o.n !== undefined) {
    if (normalizeStructure(block).kind !== 'unstructured') {
      throw new InvalidArgumentError(
        'choose either block sparsity (blockSize) or m:n sparsity, not both',
        { field: 'blockSize' },
      );
    }
    const mn: MaskStructure = { kind: 'mn', m: o.m, n: o.n };
    checkStructure(mn);
    return mn;
  }
  return normalizeStructure(block);
}

export function policyFromOptions(
  o: Pick<PruneOptions, 'layers' | 'ops' | 'exclude' | 'excludeOps'>,
): PruningPolicy {
  return {
    ...(o.layers ? { layers: o.layers } : {}),
    ...(o.ops ? { ops: o.ops } : {}),
    ...(o.exclude ? { exclude: o.exclude } : {}),
    ...(o.excludeOps ? { excludeOps: o.excludeOps } : {}),
  };
}

/** The schedule for a run of `totalSteps` optimizer steps. */
export function scheduleFromOptions(o: PruneOptions, totalSteps: number): PruningSchedule {
  if (o.schedule === 'constant')
    return constantSparsity(o.sparsity, o.beginStep, o.endStep, o.frequency);
  const end = o.endStep === -1 ? Math.max(totalSteps, o.beginStep) : o.endStep;
  return polynomialDecay(o.initialSparsity, o.sparsity, o.beginStep, end, o.power, o.frequency);
}

interface Accuracy {
  readonly before: number;
  readonly after: number;
  /** Percentage points lost (before − after, ×100). */
  readonly dropPoints: number;
  readonly data: string;
}

/** Another headline metric than accuracy: agreement with the float model, or a dense label loss. */
interface MetricChange {
  readonly name: string;
  readonly before: number;
  readonly after: number;
  readonly data: string;
}

type EvaluationData = Dataset | DataSource;

function nonEmpty(d: EvaluationData | undefined): EvaluationData | undefined {
  return d !== undefined && d.count > 0 ? d : undefined;
}

function hasLabels(d: EvaluationData): boolean {
  return !('read' in d) || d.labels !== undefined;
}

/** The evaluation's headline metric: accuracy with labels, agreement with the teacher without. */
async function metricOf(
  engine: Engine,
  graph: Graph,
  data: EvaluationData,
  batchSize: number,
  teacher: Graph | undefined,
): Promise<{ name: string; value: number }> {
  const r = await engine.evaluate(graph, data, {
    batchSize,
    ...(hasLabels(data) || teacher === undefined ? {} : { teacher }),
  });
  return r.metric;
}

/**
 * The `prune` pass: magnitude pruning of the policy's weights, fine-tuned on the context's
 * 'train' data through the engine's weight-transform hook (TFMOT prune_low_magnitude +
 * UpdatePruningStep + strip_pruning), or one-shot without training. Records the `mask`
 * annotation on every pruned weight; reports target vs achieved sparsity per layer and, when
 * 'test' (or 'validation') data are present, the accuracy before and after.
 */
export const prune = definePass({
  name: 'prune',
  description:
    'magnitude pruning (TFMOT prune_low_magnitude): constant/polynomial schedules, block and m:n sparsity, fine-tuned or one-shot',
  family: 'prune',
  options: PRUNE_OPTIONS,
  preserves: ['mask'],
  drops: ['codebook', 'quant', 'range'],
  usesTeacher: true,
  run: runPrune,
});

async function runPrune(graph: Graph, ctx: PassContext, o: PruneOptions): Promise<PassResult> {
  const structure = structureFromOptions(o);
  const policy = policyFromOptions(o);
  const targets = selectPrunableWeights(graph, ctx.registry, policy);
  if (targets.length === 0) {
    ctx.logger.warn('prune: no prunable weight selected; the graph is unchanged');
    return { changed: false, report: { mode: 'none', layers: [] } };
  }
  for (const t of targets) {
    float32Data(t.node, t.slot, t.weight);
    checkWeightFits(t.node, t.slot, t.weight.tensor.shape, structure, o.sparsity);
  }
  const selected = new Set(targets.map((t) => `${t.node.name}/${t.slot}`));
  const labelledOrTeacher = (d: EvaluationData | undefined): EvaluationData | undefined =>
    d !== undefined && (hasLabels(d) || ctx.teacher !== undefined) ? d : undefined;
  const evalData = labelledOrTeacher(
    nonEmpty(getDataSource(ctx, 'test')) ?? nonEmpty(getDataSource(ctx, 'validation')),
  );
  const train = nonEmpty(getDataSource(ctx, 'train'));
  const oneShot = o.oneShot || train === undefined || o.epochs === 0;
  const started = Date.now();

  let engine: Engine | undefined;
  let before: { name: string; value: number } | undefined;
  if (evalData !== undefined) {
    engine = await getEngine(ctx);
    before = await metricOf(engine, graph, evalData, o.batchSize, ctx.teacher);
  }
  throwIfCancelled(ctx.signal, 'prune');

  let training: Record<string, unknown> = {};
  if (oneShot) {
    if (!o.oneShot && train === undefined)
      ctx.logger.info('prune: no train data, pruning one-shot by magnitude (no fine-tuning)');
    applyMasks(graph, { sparsity: o.sparsity, structure, policy, registry: ctx.registry });
  } else {
    engine ??= await getEngine(ctx);
    const stepsPerEpoch = Math.ceil(train!.count / o.batchSize);
    const totalSteps = stepsPerEpoch * o.epochs;
    const schedule = scheduleFromOptions(o, totalSteps);
    const steps = structure.kind === 'mn' ? [1] : pruningSteps(schedule, totalSteps);
    if (steps.length === 0) {
      throw new InvalidArgumentError(
        `the schedule never updates the masks within the ${totalSteps} training steps (${o.epochs} epochs × ${stepsPerEpoch} batches): ` +
          `first update at step ${o.beginStep === 0 ? o.frequency : o.beginStep}; lower frequency or beginStep, or train longer`,
        { field: 'frequency' },
      );
    }
    const lastSparsity = schedule.at(steps[steps.length - 1]!).sparsity;
    if (structure.kind !== 'mn' && Math.abs(lastSparsity - schedule.finalSparsity) > 1e-6) {
      ctx.logger.warn(
        `prune: the last mask update (step ${steps[steps.length - 1]}) prunes to ${(lastSparsity * 100).toFixed(1)}%, not the final ${(o.sparsity * 100).toFixed(1)}%; set endStep ≤ ${totalSteps}`,
      );
    }
    const transform = pruningTransform({ schedule, structure, policy, lastStep: totalSteps });
    const fitStarted = Date.now();
    await engine.fit(graph, train!, {
      epochs: o.epochs,
      batchSize: o.batchSize,
      optimizer: o.optimizer,
      learningRate: o.learningRate,
      seed: ctx.seed,
      weightTransforms: [transform],
      ...trainingLossOf(o),
      ...(ctx.teacher ? { teacher: ctx.teacher } : {}),
      progress: ctx.progress,
      label: 'fine-tune',
      ...(ctx.signal ? { signal: ctx.signal } : {}),
    });
    for (const t of targets) {
      if (t.node.weights[t.slot]?.annotations.mask === undefined) {
        throw new InvalidArgumentError(
          `the engine did not strip the pruning transform: ${t.node.name}/${t.slot} has no mask annotation`,
          {
            node: t.node.name,
            field: t.slot,
          },
        );
      }
    }
    graph.touch();
    const updated = transform.states().find((st) => !st.fixed)?.updates ?? [];
    training = {
      epochs: o.epochs,
      steps: totalSteps,
      maskUpdateSteps: updated,
      schedule: schedule.config,
      fitSeconds: (Date.now() - fitStarted) / 1000,
    };
  }

  const staleRanges = dropActivationAnnotations(graph);
  if (staleRanges > 0)
    ctx.logger.info(
      `prune: removed ${staleRanges} activation range/quant annotations the changed weights invalidate`,
    );

  let accuracy: Accuracy | undefined;
  let metric: MetricChange | undefined;
  if (engine !== undefined && evalData !== undefined && before !== undefined) {
    const after = await metricOf(engine, graph, evalData, o.batchSize, ctx.teacher);
    const data = evalData.name ?? (getDataSource(ctx, 'test') ? 'test' : 'validation');
    if (before.name === 'accuracy')
      accuracy = {
        before: before.value,
        after: after.value,
        dropPoints: (before.value - after.value) * 100,
        data,
      };
    else metric = { name: before.name, before: before.value, after: after.value, data };
  }
  const layers: LayerSparsity[] = pruningReport(graph).layers.filter((l) =>
    selected.has(`${l.node}/${l.slot}`),
  );
  return {
    changed: true,
    report: {
      mode: oneShot ? 'one-shot' : 'fine-tune',
      structure:
        structure.kind === 'mn'
          ? `${structure.m}:${structure.n}`
          : structure.kind === 'block'
            ? `block ${structure.blockSize.join('x')}`
            : 'unstructured',
      targetSparsity: structureTarget(structure, o.sparsity),
      layers,
      ...training,
      ...(accuracy ? { accuracy } : {}),
      ...(metric ? { metric } : {}),
      seconds: (Date.now() - started) / 1000,
    },
  };
}

/** Activation ranges and quant parameters describe the old weights' activations: remove them. */
function dropActivationAnnotations(graph: Graph): number {
  let removed = 0;
  for (const node of graph.nodes) {
    for (const v of node.outputs) {
      for (const kind of ['range', 'quant'] as const) {
        if (v.annotations[kind] !== undefined) {
          delete v.annotations[kind];
          removed++;
        }
      }
    }
  }
  return removed;
}

/** Pass definitions this package contributes to text pipelines. */
export const pruningPasses = [prune] as const;

/** Register `prune` (idempotent: an already registered pass of the same name is kept). */
export function registerPruningPasses(registry: PassRegistry = defaultPassRegistry): void {
  for (const def of pruningPasses) if (!registry.has(def.name)) registry.register(def);
}
