import type * as tfc from '@tensorflow/tfjs-core';
import { defaultOpRegistry, type Graph, type OpRegistry, type Value } from '@collabopt/core';
import type {
  ActivationTransform,
  ActivationTransformInstance,
  StepInfo,
  ValueTarget,
  WeightTarget,
  WeightTransform,
  WeightTransformInstance,
} from '@collabopt/engine';
import { activationGroups, preservesGrid, type ActivationGroup } from './activation-groups';
import { annotateValue } from './annotations';
import { ALL_LAYERS_QUANTIZED, type LayerPrecision } from './layer-precision';
import { codebookScaleAxes } from './codebook-grid';
import { nudgeRange, paramsFromNudged, representableRange, type QuantParams } from './quant-params';
import { tf } from './tf';
import { fakeQuantTensor, fakeQuantWeightTensor } from './tf-fake-quant';

/** TFMOT's MovingAverageQuantizer: EMA decay and initial range. */
export const EMA_DECAY = 0.999;
export const EMA_INITIAL_RANGE = { min: -6, max: 6 } as const;

/** How an activation range is tracked during QAT (spec §3.3). */
export type RangeTracking = 'ema' | 'all-values';

/**
 * Where an EMA range starts: TFMOT's [−6, 6] (`tfmot`; with decay 0.999 it needs thousands of
 * steps to reach the real range), or the first training batch's extremes (`firstBatch`, as
 * PyTorch's moving-average observers), which suits a short fine-tuning.
 */
export const RANGE_INITS = ['tfmot', 'firstBatch'] as const;
export type RangeInit = (typeof RANGE_INITS)[number];

/** Range state of one activation, updated from each training batch. */
export class ActivationRange {
  min: number;
  max: number;
  private seen = false;
  constructor(
    readonly tracking: RangeTracking,
    readonly decay = EMA_DECAY,
    readonly start: RangeInit = 'tfmot',
  ) {
    const init = tracking === 'ema' ? EMA_INITIAL_RANGE : { min: 0, max: 0 };
    this.min = init.min;
    this.max = init.max;
  }

  /** Fold in one batch's extremes (the asymmetric range always contains 0). */
  update(batchMin: number, batchMax: number): void {
    const rmin = Math.min(batchMin, 0);
    const rmax = Math.max(batchMax, 0);
    const first = !this.seen;
    this.seen = true;
    if (this.tracking === 'ema' && first && this.start === 'firstBatch') {
      this.min = rmin;
      this.max = rmax;
    } else if (this.tracking === 'ema') {
      this.min = this.decay * this.min + (1 - this.decay) * rmin;
      this.max = this.decay * this.max + (1 - this.decay) * rmax;
    } else {
      this.min = Math.min(this.min, rmin);
      this.max = Math.max(this.max, rmax);
    }
  }

  /** The signed int8 parameters of fake_quant's nudged range; undefined while the range is empty. */
  params(bits = 8): QuantParams | undefined {
    if (!(this.max > this.min)) return undefined;
    return paramsFromNudged(nudgeRange(this.min, this.max, bits, false), bits);
  }
}

/**
 * LastValue symmetric narrow-range weight fake-quant (int8, or `bits` bits) of each op's quantized
 * kernel (the op registry's `quantizedKernel`; per channel where the slot declares
 * `perChannelQuantization`), stage `quantize`.
 *
 * With `codebookGrid` (CQAT, PCQAT), a kernel that carries a codebook trains on the grid it is
 * exported with: one scale shared by the tensor for a per-tensor codebook (per channel only for a
 * per-channel codebook along the quantization axes, see `codebookScaleAxes`), so every centroid is
 * one code and the centroids' gradients come through the fake-quant of that grid; a 4-bit grid with
 * more centroids than its 15 symmetric levels uses its full range.
 *
 * Float layers of `options.precision` are left alone; its per-layer bits override `bits`.
 */
export function qatWeightTransform(
  registry: OpRegistry = defaultOpRegistry,
  bits = 8,
  options: { codebookGrid?: boolean; precision?: LayerPrecision } = {},
): WeightTransform {
  const precision = options.precision ?? ALL_LAYERS_QUANTIZED;
  return {
    name: 'qat-weights',
    stage: 'quantize',
    appliesTo: (t: WeightTarget) =>
      registry.quantizedKernel(t.node)?.name === t.slot && !precision.isFloat(t.node),
    create: (t: WeightTarget): WeightTransformInstance => {
      const quantAxes = t.capabilities.perChannelQuantization
        ? t.capabilities.channelAxes
        : undefined;
      const codebook = options.codebookGrid ? t.weight.annotations.codebook : undefined;
      const axes = codebook
        ? codebookScaleAxes(codebook.channelAxes, quantAxes, t.weight.tensor.shape.length)
        : quantAxes;
      const layerBits = precision.weightBits(t.node) ?? bits;
      const narrowRange = !codebook || layerBits >= 8 || codebook.clusters <= 2 ** layerBits - 1;
      return {
        forward: (w: tfc.Tensor) => fakeQuantWeightTensor(w, axes, layerBits, narrowRange),
        // The kernel now holds fake-quantized values; quantizeGraphWeights writes its int8
        // annotation once, together with the bias (whose range may widen the kernel scale).
        strip: () => {},
        dispose: () => {},
      };
    },
  };
}

/** State of the activation fake-quant of one QAT run, for inspection and the final annotations. */
export interface QatActivationState {
  readonly groups: readonly ActivationGroup[];
  /** Tracked range per anchor value. */
  readonly ranges: ReadonlyMap<Value, ActivationRange>;
}

/**
 * Activation fake-quant of the default 8-bit scheme: one tracked range per group of values that
 * share parameters (model inputs: all-values running extremes; everything else: EMA with decay
 * 0.999 from [−6, 6]), applied at the group's anchor (layer outputs after linear/relu activations,
 * Add, Concat, pooling...). Outputs that stay on their input's grid (MaxPool, Reshape, Flatten,
 * Pad, Dropout, nearest upsampling) need no fake-quant; AvgPool2D outputs are re-quantized with the
 * shared parameters. Fixed-range outputs (softmax, sigmoid, tanh) are not fake-quantized.
 */
export function qatActivationTransform(
  graph: Graph,
  registry: OpRegistry = defaultOpRegistry,
  rangeInit: RangeInit = 'tfmot',
): { transform: ActivationTransform; state: QatActivationState } {
  const groups = activationGroups(graph, 8, registry);
  const groupOf = new Map<Value, ActivationGroup>();
  for (const g of groups) for (const v of g.members) groupOf.set(v, g);
  const ranges = new Map<Value, ActivationRange>();
  for (const g of groups) {
    if (g.fixed) continue;
    ranges.set(
      g.anchor,
      new ActivationRange(
        g.anchor.producer.op === 'Input' ? 'all-values' : 'ema',
        EMA_DECAY,
        rangeInit,
      ),
    );
  }
  // Values the anchor reads (through grid-keeping ops such as Reshape): a Concat's inputs. As in
  // TFMOT, they are not fake-quantized in training, so the anchor's range sees their real extremes
  // (clipped by the anchor's current range, it could never grow); the anchor's fake-quant follows.
  const feedsAnchor = new Set<Value>();
  for (const g of groups) {
    const stack = [...g.anchor.producer.inputs];
    while (stack.length > 0) {
      const v = stack.pop()!;
      if (feedsAnchor.has(v) || groupOf.get(v) !== g) continue;
      feedsAnchor.add(v);
      if (preservesGrid(v.producer, registry)) stack.push(...v.producer.inputs);
    }
  }
  const role = (v: Value): 'track' | 'shared' | undefined => {
    const g = groupOf.get(v);
    if (!g || g.fixed) return undefined;
    if (g.anchor === v) return 'track';
    return preservesGrid(v.producer, registry) ? undefined : 'shared';
  };
  const transform: ActivationTransform = {
    name: 'qat-activations',
    appliesTo: (t: ValueTarget) => t.graph === graph && role(t.value) !== undefined,
    create: (t: ValueTarget): ActivationTransformInstance => {
      const value = t.value;
      const anchorRange = ranges.get(groupOf.get(value)!.anchor)!;
      const tracks = role(value) === 'track';
      const upstream = feedsAnchor.has(value);
      return {
        forward: (x: tfc.Tensor, info: StepInfo) => {
          if (upstream && info.training) return x;
          if (tracks && info.training) {
            const [lo, hi] = tf.tidy(() => [tf.min(x).dataSync()[0]!, tf.max(x).dataSync()[0]!]);
            if (Number.isFinite(lo!) && Number.isFinite(hi!)) anchorRange.update(lo!, hi!);
          }
          const p = anchorRange.params();
          return p ? fakeQuantTensor(x, p) : x;
        },
        // Every member of the group is annotated at once by annotateQatActivations.
        strip: () => {},
        dispose: () => {},
      };
    },
  };
  return { transform, state: { groups, ranges } };
}

/**
 * Write `range` + `quant` on every activation value after QAT, once: each member of a group takes
 * the parameters its anchor was fake-quantized with (fixed-range outputs their fixed parameters).
 * Returns the values whose group tracked no range (the engine did not run them).
 */
export function annotateQatActivations(state: QatActivationState): Value[] {
  const missing: Value[] = [];
  for (const g of state.groups) {
    if (g.fixed) {
      for (const v of g.members) annotateValue(v, g.fixed, 8, representableRange(g.fixed), 'fixed');
      continue;
    }
    const r = state.ranges.get(g.anchor)!;
    const p = r.params();
    if (!p) {
      missing.push(...g.members);
      continue;
    }
    for (const v of g.members)
      annotateValue(v, p, 8, { min: r.min, max: r.max }, `qat:${r.tracking}`);
  }
  return missing;
}
