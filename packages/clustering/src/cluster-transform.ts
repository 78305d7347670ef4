import {
  ContractViolationError,
  createRng,
  InvalidArgumentError,
  type CodebookAnnotation,
  type Weight,
} from '@collabopt/core';
import { allocateIndices, type IndexArray } from './assign';
import {
  assignCodebook,
  codebookAnnotation,
  codebookLayout,
  planCodebook,
  type Codebook,
} from './codebook';
import { clusterEligibility, clustersPerChannel } from './eligibility';
import {
  tf,
  type StepInfo,
  type WeightTarget,
  type WeightTransform,
  type WeightTransformInstance,
} from './engine-api';
import type { CentroidInit } from './initializers';
import { assignCodebookRateAware, codebookRowEntropies } from './rate-aware-assign';

export type GradientAggregation = 'sum' | 'avg';

export interface ClusterTransformOptions {
  readonly clusters: number;
  readonly init?: CentroidInit;
  readonly perChannel?: boolean;
  readonly preserveSparsity?: boolean;
  /** Lloyd iterations on the initial centroids before fine-tuning (default 0: the initialiser's centroids, as TFMOT). */
  readonly kmeansIterations?: number;
  /** Centroid gradient: sum of the member weights' gradients (TFMOT default) or their mean. */
  readonly gradientAggregation?: GradientAggregation;
  readonly seed?: number;
  /** Only weights this accepts (default: every clusterable float32 weight with enough elements). */
  readonly select?: (target: WeightTarget) => boolean;
  /** Initial codebooks by `weightKey` (e.g. planned by the pass); others are planned on create. */
  readonly codebooks?: ReadonlyMap<string, Codebook>;
  /**
   * `annotation`: start from each weight's existing `codebook` annotation (CQAT/PCQAT keep the
   * clusters of an earlier clustering; only annotated weights apply, and the zero centroid is
   * pinned when the annotation has one). Default `weights`: plan a codebook from the values.
   */
  readonly initialFrom?: 'weights' | 'annotation';
  /**
   * Rate-aware assignment (`assignCodebookRateAware`): each step re-assigns weights to the
   * centroid minimising squared error + entropyWeight × (mean squared gap between adjacent
   * centroids of its row) × (−log2 share), so rare clusters lose members and the exported indices
   * compress better. Default 0: nearest centroid (TFMOT).
   */
  readonly entropyWeight?: number;
  /**
   * Rate-aware assignment to a target: the codebook's index entropy (bits per element over its whole
   * index stream, the pinned zeros of a sparse codebook included) is held at ≤ (1 − entropyReduction
   * × ramp) × its entropy at the start (nearest-centroid assignment of the incoming weights), the
   * ramp rising linearly from 0 to 1 over `entropyRampSteps` training steps; λ is found at each step
   * (`lambdaForEntropy`). Unlike a fixed `entropyWeight`, every kernel shrinks by the asked share
   * whatever its values and however far its latent weights drift. Default 0 (off); excludes
   * `entropyWeight`.
   *
   * Only per-tensor codebooks (one row) take the target; a codebook per channel (per-channel
   * clustering, or a per-tensor one scaled per channel by BatchNorm folding) keeps nearest-centroid
   * assignment. Its exported codes differ from channel to channel, so fewer index bits did not make
   * the file smaller (1.01–1.02× the PTQ leaf on a MobileNet-style model), while a target per channel
   * row of 64–576 weights left PCQAT 2.9 points below PTQ there (20k training images; 22 with 3k).
   */
  readonly entropyReduction?: number;
  /** Training steps over which `entropyReduction` ramps up (default 1: in full from the first step). */
  readonly entropyRampSteps?: number;
  /**
   * What a move to another centroid costs in the rate-aware assignment: `uniform` (default) its
   * squared error; `gradient` its squared error times the weight's importance, a running mean
   * (decay 0.99) of its squared loss gradient (the diagonal of the empirical Fisher, a second-order
   * estimate of the loss the move costs), so weights the loss does not feel move first.
   */
  readonly moveCost?: 'uniform' | 'gradient';
  /**
   * Recovery phase: re-assign indices only up to this training step (steps count from 1); later
   * steps keep the last assignment (the index histogram, hence the compressed size, stays) while
   * the centroids and the unclustered weights keep training. Default: re-assign every step.
   */
  readonly reassignUntilStep?: number;
}

/** A codebook from a `codebook` annotation (the centroids an earlier pass established). */
export function codebookFromAnnotation(
  ann: CodebookAnnotation,
  shape: readonly number[],
): Codebook {
  const layout = codebookLayout(shape, ann.channelAxes);
  return {
    clusters: ann.clusters,
    rows: layout ? layout.count : 1,
    centroids: Float32Array.from(ann.centroids),
    ...(ann.channelAxes ? { channelAxes: [...ann.channelAxes] } : {}),
    ...(ann.zeroCentroid ? { zeroCentroid: [...ann.zeroCentroid] } : {}),
  };
}

function withoutZeroCentroid(codebook: Codebook, drop: boolean): Codebook {
  if (!drop || codebook.zeroCentroid === undefined) return codebook;
  return {
    clusters: codebook.clusters,
    rows: codebook.rows,
    centroids: codebook.centroids,
    ...(codebook.channelAxes ? { channelAxes: codebook.channelAxes } : {}),
  };
}

/** Key of a weight in maps: "node/slot". */
export function weightKey(node: string, slot: string): string {
  return `${node}/${slot}`;
}

/**
 * The clustering weight transform (stage `codebook`, tfmot-spec §2.3): trainable centroids
 * (`[rows, k]`), every forward pass re-assigns each weight to its nearest centroid and uses that
 * centroid's value; the upstream gradient reaches the incoming weight unchanged (straight-through)
 * and each centroid receives the sum of its members' gradients. With `preserveSparsity` the zero
 * centroid is pinned at exactly 0 (no gradient), zeros of the weight (and of its `mask`) are frozen
 * there with zero gradient, and non-zero weights only use the other centroids. `strip` records a
 * `codebook` annotation matching the final weight values.
 */
export function createClusterTransform(options: ClusterTransformOptions): WeightTransform {
  const rate = rateOptions(options);
  const perChannel = options.perChannel ?? false;
  const fromAnnotation = options.initialFrom === 'annotation';
  const rng = createRng(options.seed ?? 0);
  return {
    name: options.preserveSparsity ? 'sparsityPreservingCluster' : 'cluster',
    stage: 'codebook',
    appliesTo(target) {
      if (fromAnnotation)
        return (
          target.weight.annotations.codebook !== undefined && (options.select?.(target) ?? true)
        );
      if (options.codebooks !== undefined)
        return options.codebooks.has(weightKey(target.node.name, target.slot));
      if (options.select !== undefined && !options.select(target)) return false;
      return clusterEligibility(target.weight, target.capabilities, options.clusters, perChannel)
        .ok;
    },
    create(target, raw) {
      const shape = raw.shape;
      const data = Float32Array.from(raw.dataSync() as Float32Array);
      const where = { node: target.node.name, field: target.slot };
      const existing = target.weight.annotations.codebook;
      const preserveSparsity =
        options.preserveSparsity ?? (fromAnnotation && existing?.zeroCentroid !== undefined);
      let frozen: Uint8Array | undefined;
      if (preserveSparsity) {
        const mask = target.weight.annotations.mask?.mask;
        frozen = Uint8Array.from(data, (v, i) =>
          v === 0 || (mask !== undefined && mask[i] === 0) ? 0 : 1,
        );
      }
      if (fromAnnotation && existing === undefined) {
        throw new InvalidArgumentError(
          'initialFrom=annotation needs a codebook annotation on the weight',
          where,
        );
      }
      if (fromAnnotation && preserveSparsity && existing?.zeroCentroid === undefined) {
        throw new InvalidArgumentError(
          'preserving sparsity needs a codebook with a zero centroid (cluster with preserveSparsity=true first)',
          where,
        );
      }
      const channelWise = clustersPerChannel(target.capabilities, perChannel);
      const codebook =
        (fromAnnotation
          ? withoutZeroCentroid(codebookFromAnnotation(existing!, shape), !preserveSparsity)
          : undefined) ??
        options.codebooks?.get(weightKey(target.node.name, target.slot)) ??
        planCodebook(
          data,
          shape,
          {
            clusters: options.clusters,
            init: options.init ?? 'kmeans++',
            perChannel: channelWise,
            ...(channelWise ? { channelAxes: target.capabilities.channelAxes } : {}),
            preserveSparsity,
            kmeansIterations: options.kmeansIterations ?? 0,
            rng: rng.fork(),
            ...(frozen ? { frozen } : {}),
          },
          where,
        );
      return new ClusterInstance(
        target,
        codebook,
        frozen,
        options.gradientAggregation ?? 'sum',
        rate,
        options.reassignUntilStep,
      );
    },
  };
}

/** How the assignment trades squared error for index entropy (see `ClusterTransformOptions`). */
interface RateOptions {
  readonly weight: number;
  readonly reduction: number;
  readonly rampSteps: number;
  readonly moveCost: 'uniform' | 'gradient';
}

/** The rate options with their defaults; a typed error, before any weight, for contradictory ones. */
function rateOptions(options: ClusterTransformOptions): RateOptions {
  const weight = options.entropyWeight ?? 0;
  const reduction = options.entropyReduction ?? 0;
  if (!(reduction >= 0 && reduction < 1))
    throw new InvalidArgumentError(`entropyReduction must be in [0, 1), got ${reduction}`, {
      field: 'entropyReduction',
    });
  if (weight > 0 && reduction > 0)
    throw new InvalidArgumentError(
      `entropyWeight=${weight} and entropyReduction=${reduction} are two ways to choose the rate-aware assignment; give one (entropyReduction=0 to use entropyWeight)`,
      { field: 'entropyReduction' },
    );
  return {
    weight,
    reduction,
    rampSteps: Math.max(1, options.entropyRampSteps ?? 1),
    moveCost: options.moveCost ?? 'uniform',
  };
}

/** Decay of the running mean of squared gradients behind `moveCost: 'gradient'` (~100 steps). */
const IMPORTANCE_DECAY = 0.99;

class ClusterInstance implements WeightTransformInstance {
  private readonly centroids: tf.Variable;
  /** 1 for centroids that train, 0 for pinned zero centroids. */
  private readonly trainable: tf.Tensor | undefined;
  private readonly frozenMask: tf.Tensor | undefined;
  private readonly shape: number[];
  private readonly indices: IndexArray;
  private readonly rowOf: Int32Array | undefined;
  private assigned = false;
  /** Each codebook row's index entropy at the first assignment (for `entropyReduction`). */
  private startBits: Float64Array | undefined;
  /** Running mean of each element's squared gradient (`moveCost: 'gradient'`), after a backward pass. */
  private importance: Float32Array | undefined;
  /**
   * Whether a rate-aware assignment will read `importance`: `moveCost: 'gradient'` with a fixed
   * weight, or with a target on a per-tensor codebook (`targetBits`). Otherwise the hot path skips it.
   */
  private readonly usesImportance: boolean;
  /** The last training step seen (0 before training). */
  private lastStep = 0;

  constructor(
    private readonly target: WeightTarget,
    private readonly initial: Codebook,
    private readonly frozen: Uint8Array | undefined,
    private readonly aggregation: GradientAggregation,
    private readonly rate: RateOptions,
    private readonly reassignUntilStep: number | undefined,
  ) {
    const { rows, clusters } = initial;
    this.usesImportance =
      rate.moveCost === 'gradient' && (rate.weight > 0 || (rate.reduction > 0 && rows === 1));
    this.shape = [...target.weight.tensor.shape];
    const init = tf.tensor2d(initial.centroids, [rows, clusters]);
    this.centroids = tf.variable(init, true);
    init.dispose();
    if (initial.zeroCentroid !== undefined) {
      const keep = new Float32Array(rows * clusters).fill(1);
      initial.zeroCentroid.forEach((z, r) => (keep[r * clusters + z] = 0));
      this.trainable = tf.tensor2d(keep, [rows, clusters]);
    }
    if (frozen !== undefined) this.frozenMask = tf.tensor(Float32Array.from(frozen), this.shape);
    this.indices = allocateIndices(frozen?.length ?? target.weight.tensor.data.length, clusters);
    const layout = codebookLayout(this.shape, initial.channelAxes);
    if (layout) {
      this.rowOf = new Int32Array(this.indices.length);
      for (let i = 0; i < this.rowOf.length; i++)
        this.rowOf[i] = Math.floor(i / layout.inner) % layout.count;
    }
  }

  /** Current centroids with pinned zeros forced to exactly 0. */
  private currentCodebook(): Codebook {
    const values = Float32Array.from(this.centroids.dataSync() as Float32Array);
    const k = this.initial.clusters;
    this.initial.zeroCentroid?.forEach((z, r) => (values[r * k + z] = 0));
    return { ...this.initial, centroids: values };
  }

  /** Whether the assignment is frozen: it exists and the recovery phase has begun. */
  private assignmentFrozen(): boolean {
    return (
      this.assigned &&
      this.reassignUntilStep !== undefined &&
      this.lastStep > this.reassignUntilStep
    );
  }

  /**
   * Each row's target index entropy at the current step (`entropyReduction`), from the row
   * entropies of the first assignment; undefined when the assignment has no target.
   */
  private targetBits(values: Float32Array, codebook: Codebook): Float64Array | undefined {
    if (!(this.rate.reduction > 0) || codebook.rows > 1) return undefined;
    if (this.startBits === undefined) {
      const nearest = assignCodebook(values, this.shape, codebook, this.frozen);
      this.startBits = codebookRowEntropies(this.shape, codebook, nearest);
    }
    const share = this.rate.reduction * Math.min(1, this.lastStep / this.rate.rampSteps);
    return this.startBits.map((bits) => bits * (1 - share));
  }

  /** Re-assign every element to a centroid of the current codebook (rate-aware or nearest). */
  private assign(values: Float32Array): void {
    const codebook = this.currentCodebook();
    const targetBits = this.targetBits(values, codebook);
    if (this.rate.weight > 0 || targetBits !== undefined)
      assignCodebookRateAware(values, this.shape, codebook, this.rate.weight, {
        ...(this.frozen ? { frozen: this.frozen } : {}),
        ...(this.assigned ? { previous: this.indices } : {}),
        ...(targetBits ? { targetBits } : {}),
        ...(this.importance ? { importance: this.importance } : {}),
        out: this.indices,
      });
    else assignCodebook(values, this.shape, codebook, this.frozen, this.indices);
    this.assigned = true;
  }

  forward(w: tf.Tensor, info: StepInfo): tf.Tensor {
    const k = this.initial.clusters;
    const rows = this.initial.rows;
    if (info.training) this.lastStep = info.step;
    // In the recovery phase the indices stay; only the centroids (and other weights) train.
    if (!this.assignmentFrozen()) this.assign(w.dataSync() as Float32Array);
    const flat = new Int32Array(this.indices.length);
    for (let i = 0; i < flat.length; i++)
      flat[i] = (this.rowOf ? this.rowOf[i]! * k : 0) + this.indices[i]!;
    const slots = tf.tensor1d(flat, 'int32');
    let scale: Float32Array | undefined;
    if (this.aggregation === 'avg') {
      const counts = new Float32Array(rows * k);
      for (let i = 0; i < flat.length; i++) counts[flat[i]!]!++;
      scale = counts.map((c) => (c > 0 ? 1 / c : 0));
    }
    const pinned = this.initial.zeroCentroid;
    const trainable = this.trainable;
    const frozenMask = this.frozenMask;
    // Only the custom op is recorded on the tape: pinned zero centroids are zeroed in its forward
    // and receive no gradient in its backward. The per-cluster gradient sum runs over typed arrays
    // (every backend; TF.js's wasm backend has no UnsortedSegmentSum kernel).
    const clustered = tf.customGrad((...args: (tf.Tensor | tf.GradSaveFunc)[]) => {
      const [weight, cents] = args as [tf.Tensor, tf.Tensor];
      const effective = trainable ? tf.mul(cents, trainable) : cents;
      const value = tf.reshape(tf.gather(tf.reshape(effective, [-1]), slots), weight.shape);
      return {
        value,
        gradFunc: (dy: tf.Tensor) => {
          const toWeight = frozenMask ? tf.mul(dy, frozenMask) : dy;
          const g = dy.dataSync() as Float32Array;
          this.trackImportance(g);
          const sums = new Float32Array(rows * k);
          for (let i = 0; i < flat.length; i++) sums[flat[i]!]! += g[i]!;
          if (scale) for (let j = 0; j < sums.length; j++) sums[j]! *= scale[j]!;
          if (pinned) pinned.forEach((z, r) => (sums[r * k + z] = 0));
          return [toWeight, tf.tensor2d(sums, [rows, k])];
        },
      };
    });
    return clustered(w, this.centroids) as tf.Tensor;
  }

  /** Fold one backward pass's gradient into the running importance (`moveCost: 'gradient'`). */
  private trackImportance(g: Float32Array): void {
    if (!this.usesImportance) return;
    if (this.importance === undefined) {
      this.importance = Float32Array.from(g, (x) => x * x);
      return;
    }
    const imp = this.importance;
    for (let i = 0; i < imp.length; i++)
      imp[i] = IMPORTANCE_DECAY * imp[i]! + (1 - IMPORTANCE_DECAY) * g[i]! * g[i]!;
  }

  trainableVariables(): tf.Variable[] {
    return [this.centroids];
  }

  strip(weight: Weight): void {
    const data = weight.tensor.data;
    if (!(data instanceof Float32Array)) {
      throw new ContractViolationError(
        `cannot record a codebook on a ${weight.tensor.dtype} weight`,
        { node: this.target.node.name, field: this.target.slot },
      );
    }
    const codebook = this.currentCodebook();
    if (!this.assigned) assignCodebook(data, this.shape, codebook, this.frozen, this.indices);
    weight.annotations.codebook = codebookForValues(
      data,
      this.shape,
      codebook,
      this.indices,
      this.target,
    );
  }

  dispose(): void {
    this.centroids.dispose();
    this.trainable?.dispose();
    this.frozenMask?.dispose();
  }
}

/**
 * The codebook annotation for final weight values. Normally they are exactly the centroids. When
 * a later stage changed them elementwise (e.g. fake quantization in CQAT), the centroids are
 * taken from the values themselves; if one centroid then maps to different values in different
 * channels (per-channel quantization of a per-tensor codebook), the codebook becomes per channel.
 */
export function codebookForValues(
  data: Float32Array,
  shape: readonly number[],
  codebook: Codebook,
  indices: IndexArray,
  target: Pick<WeightTarget, 'capabilities' | 'node' | 'slot'>,
): CodebookAnnotation {
  const derived = deriveCentroids(data, shape, codebook, indices);
  if (derived !== undefined) return codebookAnnotation(derived, indices);
  if (codebook.channelAxes === undefined) {
    const layout = codebookLayout(shape, target.capabilities.channelAxes)!;
    const k = codebook.clusters;
    const centroids = new Float32Array(layout.count * k);
    for (let r = 0; r < layout.count; r++) centroids.set(codebook.centroids.subarray(0, k), r * k);
    const perChannel: Codebook = {
      ...codebook,
      rows: layout.count,
      centroids,
      channelAxes: [...target.capabilities.channelAxes],
      ...(codebook.zeroCentroid
        ? { zeroCentroid: new Array<number>(layout.count).fill(codebook.zeroCentroid[0]!) }
        : {}),
    };
    const again = deriveCentroids(data, shape, perChannel, indices);
    if (again !== undefined) return codebookAnnotation(again, indices);
  }
  throw new ContractViolationError(
    'final weight values do not follow the cluster assignment (a later training stage mixed clusters)',
    {
      node: target.node.name,
      field: target.slot,
    },
  );
}

/** Centroids read back from the values (every element of a cluster must hold the same value). */
function deriveCentroids(
  data: Float32Array,
  shape: readonly number[],
  codebook: Codebook,
  indices: IndexArray,
): Codebook | undefined {
  const k = codebook.clusters;
  const layout = codebookLayout(shape, codebook.channelAxes);
  const centroids = Float32Array.from(codebook.centroids);
  const seen = new Uint8Array(centroids.length);
  for (let i = 0; i < data.length; i++) {
    const slot = (layout ? layout.channelOf(i) * k : 0) + indices[i]!;
    const v = data[i]! === 0 ? 0 : data[i]!; // −0 → 0
    if (!seen[slot]) {
      seen[slot] = 1;
      centroids[slot] = v;
    } else if (centroids[slot] !== v) return undefined;
  }
  return { ...codebook, centroids };
}
