import type * as tfc from '@tensorflow/tfjs-core';
import {
  defaultOpRegistry,
  tensor,
  type Graph,
  type OpRegistry,
  type Value,
  type Weight,
} from '@collabopt/core';
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
import { nudgeRange, paramsFromNudged, type QuantParams } from './quant-params';
import { tf } from './tf';
import { fakeQuantTensor, fakeQuantWeightTensor } from './tf-fake-quant';
import { KERNEL_OPS, PER_CHANNEL_OPS } from './weight-plan';
import { quantizeSymmetric, weightQuantAnnotation } from './weight-quantization';

/** TFMOT's MovingAverageQuantizer: EMA decay and initial range. */
export const EMA_DECAY = 0.999;
export const EMA_INITIAL_RANGE = { min: -6, max: 6 } as const;

/** How an activation range is tracked during QAT (spec §3.3). */
export type RangeTracking = 'ema' | 'all-values';

/** Range state of one activation, updated from each training batch. */
export class ActivationRange {
  min: number;
  max: number;
  constructor(
    readonly tracking: RangeTracking,
    readonly decay = EMA_DECAY,
  ) {
    const init = tracking === 'ema' ? EMA_INITIAL_RANGE : { min: 0, max: 0 };
    this.min = init.min;
    this.max = init.max;
  }

  /** Fold in one batch's extremes (the asymmetric range always contains 0). */
  update(batchMin: number, batchMax: number): void {
    const rmin = Math.min(batchMin, 0);
    const rmax = Math.max(batchMax, 0);
    if (this.tracking === 'ema') {
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

/** Whether the weight of `target` gets weight fake-quant in the default 8-bit scheme. */
export function isQuantizedKernel(
  node: { op: string },
  slot: string,
  quantizable: boolean,
): boolean {
  return quantizable && slot === 'kernel' && KERNEL_OPS.has(node.op);
}

/** LastValue symmetric narrow-range int8 weight fake-quant (per channel for conv kernels), stage `quantize`. */
export function qatWeightTransform(): WeightTransform {
  return {
    name: 'qat-weights',
    stage: 'quantize',
    appliesTo: (t: WeightTarget) => isQuantizedKernel(t.node, t.slot, t.capabilities.quantizable),
    create: (t: WeightTarget): WeightTransformInstance => {
      const axes = PER_CHANNEL_OPS.has(t.node.op) ? t.capabilities.channelAxes : undefined;
      return {
        forward: (w: tfc.Tensor) => fakeQuantWeightTensor(w, axes),
        strip: (weight: Weight) => {
          const qw = quantizeSymmetric(weight.tensor, axes ? { channelAxes: axes } : {});
          weight.tensor = tensor('float32', weight.tensor.shape, qw.values);
          weight.annotations.quant = weightQuantAnnotation(qw);
        },
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
): { transform: ActivationTransform; state: QatActivationState } {
  const groups = activationGroups(graph, 8, registry);
  const groupOf = new Map<Value, ActivationGroup>();
  for (const g of groups) for (const v of g.members) groupOf.set(v, g);
  const ranges = new Map<Value, ActivationRange>();
  for (const g of groups) {
    if (g.fixed) continue;
    ranges.set(
      g.anchor,
      new ActivationRange(g.anchor.producer.op === 'Input' ? 'all-values' : 'ema'),
    );
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
      return {
        forward: (x: tfc.Tensor, info: StepInfo) => {
          if (tracks && info.training) {
            const [lo, hi] = tf.tidy(() => [tf.min(x).dataSync()[0]!, tf.max(x).dataSync()[0]!]);
            if (Number.isFinite(lo!) && Number.isFinite(hi!)) anchorRange.update(lo!, hi!);
          }
          const p = anchorRange.params();
          return p ? fakeQuantTensor(x, p) : x;
        },
        strip: (v: Value) => {
          if (!tracks) return;
          const p = anchorRange.params();
          if (p)
            annotateValue(
              v,
              p,
              8,
              { min: anchorRange.min, max: anchorRange.max },
              `qat:${anchorRange.tracking}`,
            );
        },
        dispose: () => {},
      };
    },
  };
  return { transform, state: { groups, ranges } };
}
