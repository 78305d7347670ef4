import {
  GraphError,
  type Attributes,
  type Graph,
  type Node,
  type OpRegistry,
  type Value,
} from '@collabopt/core';
import type { KernelContext, KernelRegistry, OpKernel } from './kernel-registry';
import { applyMovingAverages, type MovingAverageUpdate } from './moving-averages';
import { RELU_AFTER_POOL, reluPoolPairs } from './relu-after-pool';
import { tf } from './tf';
import type { ActivationTransformInstance, StepInfo } from './transforms';

/** Key of a node's weight in a parameter map. */
export function paramKey(node: string, slot: string): string {
  return `${node}/${slot}`;
}

export interface RunOptions {
  readonly training: boolean;
  readonly info: StepInfo;
  /** Effective weights by `paramKey`. */
  readonly params: ReadonlyMap<string, tf.Tensor>;
  /** Base seed of this step (Dropout). */
  readonly seed?: number;
  readonly activationTransforms?: ReadonlyMap<Value, readonly ActivationTransformInstance[]>;
  /** Receives BatchNorm moving-statistic updates in training. */
  readonly onStateUpdate?: (node: Node, slot: string, value: tf.Tensor) => void;
  /** Return the pre-softmax logits of a classifier whose output ends in a softmax. */
  readonly logits?: boolean;
}

interface CompiledNode {
  readonly node: Node;
  readonly attrs: Attributes;
  /** Attributes when logits are requested (fused softmax turned into linear). */
  readonly logitAttrs: Attributes;
  readonly kernel: OpKernel;
  readonly slots: readonly string[];
  readonly index: number;
  /** Attributes with the fused ReLU left to the max pool reading the output (relu-after-pool.ts). */
  readonly reluDeferredAttrs?: Attributes;
  /** For a max pool: the input whose producer may leave its ReLU to this pool. */
  readonly deferredReluInput?: Value;
}

/** An IR graph compiled once into a TF.js function of (inputs, parameter map). */
export class CompiledGraph {
  readonly inputs: readonly Value[];
  readonly outputs: readonly Value[];
  /** The value holding logits when `logits` is requested (the output, or the input of a final softmax). */
  readonly logitsValue: Value | undefined;
  /** Whether the single output is a probability distribution (ends in a softmax). */
  readonly outputsProbabilities: boolean;
  private readonly steps: readonly CompiledNode[];
  private readonly skippedForLogits: Node | undefined;

  constructor(
    readonly graph: Graph,
    registry: OpRegistry,
    kernels: KernelRegistry,
  ) {
    this.inputs = [...graph.inputs];
    this.outputs = [...graph.outputs];
    if (this.outputs.length === 0) throw new GraphError('graph has no outputs');
    const order = graph.topologicalOrder();
    const steps: CompiledNode[] = [];
    const reluPools = RELU_AFTER_POOL.enabled
      ? reluPoolPairs(graph, registry, kernels)
      : new Map<Node, Node>();
    const poolsWithDeferredRelu = new Map([...reluPools].map(([p, pool]) => [pool, p.outputs[0]!]));
    order.forEach((node, index) => {
      if (node.op === 'Input') {
        if (!graph.inputs.includes(node.output)) {
          throw new GraphError('Input node is not among the graph inputs', { node: node.name });
        }
        return;
      }
      const attrs = registry.resolveAttrs(node);
      const logitAttrs =
        attrs['activation'] === 'softmax' && node.op !== 'Activation'
          ? { ...attrs, activation: 'linear' }
          : attrs;
      const deferredReluInput = poolsWithDeferredRelu.get(node);
      steps.push({
        node,
        attrs,
        logitAttrs,
        kernel: kernels.get(node.op, node.name),
        slots: registry.weightSlots(node).map((s) => s.name),
        index,
        ...(reluPools.has(node) ? { reluDeferredAttrs: { ...attrs, activation: 'linear' } } : {}),
        ...(deferredReluInput !== undefined ? { deferredReluInput } : {}),
      });
    });
    this.steps = steps;
    // Logits of a classifier: skip a final Softmax / Activation(softmax), or a fused softmax.
    let logitsValue: Value | undefined;
    let skipped: Node | undefined;
    let probabilities = false;
    if (this.outputs.length === 1) {
      const out = this.outputs[0]!;
      const producer = out.producer;
      const rank = out.shape?.length ?? 2;
      const isLastAxisSoftmax =
        (producer.op === 'Softmax' &&
          [-1, rank - 1].includes(Number(registry.resolveAttrs(producer)['axis']))) ||
        (producer.op === 'Activation' && producer.attrs['activation'] === 'softmax');
      if (isLastAxisSoftmax && producer.inputs.length === 1) {
        logitsValue = producer.inputs[0];
        skipped = producer;
        probabilities = true;
      } else {
        logitsValue = out;
        probabilities =
          producer.op !== 'Input' && registry.resolveAttrs(producer)['activation'] === 'softmax';
      }
    }
    this.logitsValue = logitsValue;
    this.skippedForLogits = skipped;
    this.outputsProbabilities = probabilities;
  }

  /** Run the graph; returns the outputs (or `[logits]`). Call inside tf.tidy or a gradient tape. */
  run(inputs: readonly tf.Tensor[], options: RunOptions): tf.Tensor[] {
    if (inputs.length !== this.inputs.length) {
      throw new GraphError(`graph has ${this.inputs.length} inputs, got ${inputs.length} tensors`);
    }
    const values = new Map<Value, tf.Tensor>();
    const transformed = (v: Value, t: tf.Tensor): tf.Tensor => {
      const list = options.activationTransforms?.get(v);
      if (list === undefined) return t;
      let out = t;
      for (const inst of list) out = inst.forward(out, options.info);
      return out;
    };
    this.inputs.forEach((v, i) => values.set(v, transformed(v, inputs[i]!)));
    const baseSeed = options.seed ?? 0;
    /** Values computed without their fused ReLU, which the pool reading them applies. */
    const reluDeferred = new Set<Value>();
    const movingAverages: MovingAverageUpdate[] = [];
    const { onStateUpdate } = options;
    for (const step of this.steps) {
      if (options.logits === true && step.node === this.skippedForLogits) continue;
      const { node } = step;
      const weights: Record<string, tf.Tensor> = {};
      for (const slot of step.slots) {
        const p = options.params.get(paramKey(node.name, slot));
        if (p === undefined)
          throw new GraphError(`missing parameter for weight "${slot}"`, {
            node: node.name,
            field: slot,
          });
        weights[slot] = p;
      }
      const ins = node.inputs.map((v) => {
        const t = values.get(v);
        if (t === undefined)
          throw new GraphError(`value "${v.name}" is read before it is computed`, {
            node: node.name,
          });
        return t;
      });
      const isLogitNode =
        options.logits === true &&
        this.logitsValue !== undefined &&
        node.outputs.includes(this.logitsValue);
      // An activation transform observes the ReLU's output: then the ReLU stays where it is.
      const deferRelu =
        step.reluDeferredAttrs !== undefined &&
        options.activationTransforms?.get(node.outputs[0]!) === undefined;
      if (deferRelu) reluDeferred.add(node.outputs[0]!);
      const ctx: KernelContext = {
        node,
        attrs: deferRelu ? step.reluDeferredAttrs! : isLogitNode ? step.logitAttrs : step.attrs,
        weights,
        training: options.training,
        seed: (Math.imul(baseSeed + 1, 0x9e3779b1) ^ Math.imul(step.index + 1, 0x85ebca6b)) >>> 0,
        updateState: (slot, value) => onStateUpdate?.(node, slot, value),
        updateMovingAverage: (slot, batch, momentum) => {
          const state = weights[slot];
          if (state === undefined)
            throw new GraphError(`missing state weight "${slot}"`, {
              node: node.name,
              field: slot,
            });
          if (onStateUpdate !== undefined)
            movingAverages.push({ node, slot, state, batch, momentum });
        },
      };
      const result = step.kernel(ins, ctx);
      let outs = Array.isArray(result) ? result : [result];
      if (step.deferredReluInput !== undefined && reluDeferred.has(step.deferredReluInput))
        outs = outs.map((t) => tf.relu(t));
      if (outs.length !== node.outputs.length) {
        throw new GraphError(
          `kernel for ${node.op} returned ${outs.length} outputs, node has ${node.outputs.length}`,
          { node: node.name },
        );
      }
      node.outputs.forEach((v, i) => values.set(v, transformed(v, outs[i]!)));
    }
    if (onStateUpdate !== undefined) applyMovingAverages(movingAverages, onStateUpdate);
    const wanted =
      options.logits === true && this.logitsValue !== undefined ? [this.logitsValue] : this.outputs;
    return wanted.map((v) => {
      const t = values.get(v);
      if (t === undefined) throw new GraphError(`output "${v.name}" was not computed`);
      return t;
    });
  }
}
