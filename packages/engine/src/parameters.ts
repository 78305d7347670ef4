import {
  UnsupportedError,
  fromFloat16Array,
  tensor as coreTensor,
  toFloat16Array,
  type Graph,
  type Node,
  type OpRegistry,
  type Value,
  type Weight,
} from '@collabopt/core';
import { paramKey } from './compile';
import { tf } from './tf';
import { transformStages } from './transform-stages';
import {
  type ActivationTransform,
  type ActivationTransformInstance,
  type StepInfo,
  type WeightTransform,
  type WeightTransformInstance,
} from './transforms';

const TRAINABLE_ROLES = new Set(['kernel', 'bias', 'scale', 'offset', 'other']);

/** A weight's values as float32 (float16 weights are widened). */
export function weightAsFloat32(weight: Weight, node: Node, slot: string): Float32Array {
  const t = weight.tensor;
  if (t.dtype === 'float32') return t.data as Float32Array;
  if (t.dtype === 'float16') return fromFloat16Array(t.data as Uint16Array);
  throw new UnsupportedError(
    `the engine runs float graphs; weight has dtype ${t.dtype} (run it before quantizing, or dequantize it first)`,
    { node: node.name, field: slot },
  );
}

interface Entry {
  readonly key: string;
  readonly node: Node;
  readonly slot: string;
  readonly weight: Weight;
  readonly raw: tf.Variable;
  readonly trainable: boolean;
  readonly instances: readonly WeightTransformInstance[];
}

/**
 * One raw `tf.Variable` per IR weight plus the weight and activation transform instances of one
 * run. Produces the effective parameter map for each forward pass and writes results back.
 */
export class ParameterSet {
  private readonly entries: Entry[] = [];
  readonly activations = new Map<Value, ActivationTransformInstance[]>();
  private readonly activationList: { value: Value; instances: ActivationTransformInstance[] }[] =
    [];

  constructor(
    readonly graph: Graph,
    registry: OpRegistry,
    options: {
      weightTransforms?: readonly WeightTransform[];
      activationTransforms?: readonly ActivationTransform[];
      trainable: boolean;
    },
  ) {
    const transforms = transformStages.sort(options.weightTransforms ?? []);
    try {
      for (const node of graph.nodes) {
        if (node.op === 'Input') continue;
        for (const slotDef of registry.weightSlots(node)) {
          const slot = slotDef.name;
          const weight = node.weights[slot];
          if (weight === undefined) continue; // the compiler reports the missing weight
          const data = weightAsFloat32(weight, node, slot);
          const trainable = options.trainable && TRAINABLE_ROLES.has(slotDef.role);
          const init = tf.tensor(data, [...weight.tensor.shape], 'float32');
          const raw = tf.variable(init, trainable);
          init.dispose();
          const target = { graph, node, slot, weight, capabilities: slotDef.capabilities };
          const instances: WeightTransformInstance[] = [];
          this.entries.push({
            key: paramKey(node.name, slot),
            node,
            slot,
            weight,
            raw,
            trainable,
            instances,
          });
          for (const t of transforms)
            if (t.appliesTo(target)) instances.push(t.create(target, raw));
        }
      }
      for (const t of options.activationTransforms ?? []) {
        for (const node of graph.nodes) {
          for (const value of node.outputs) {
            if (!t.appliesTo({ graph, value, producer: node })) continue;
            let list = this.activations.get(value);
            if (list === undefined) {
              list = [];
              this.activations.set(value, list);
              this.activationList.push({ value, instances: list });
            }
            list.push(t.create({ graph, value, producer: node }));
          }
        }
      }
    } catch (e) {
      this.dispose();
      throw e;
    }
  }

  /** Effective weights for one forward pass (call inside tidy / the gradient tape). */
  effective(info: StepInfo): Map<string, tf.Tensor> {
    const out = new Map<string, tf.Tensor>();
    for (const e of this.entries) {
      let w: tf.Tensor = e.raw;
      for (const inst of e.instances) w = inst.forward(w, info);
      out.set(e.key, w);
    }
    return out;
  }

  /** Raw variables the optimizer updates plus the transforms' own trainable variables. */
  trainableVariables(): tf.Variable[] {
    const vars: tf.Variable[] = [];
    for (const e of this.entries) {
      if (e.trainable) vars.push(e.raw);
      for (const inst of e.instances) vars.push(...(inst.trainableVariables?.() ?? []));
    }
    return vars;
  }

  /** Whether any weight or activation transform takes part (their per-step hooks run JavaScript). */
  hasTransforms(): boolean {
    return this.activationList.length > 0 || this.entries.some((e) => e.instances.length > 0);
  }

  /** Every raw variable (trainable weights and state such as BatchNorm moving statistics). */
  variables(): tf.Variable[] {
    return this.entries.map((e) => e.raw);
  }

  /** Overwrite a state weight (BatchNorm moving statistics). Takes ownership of `value`. */
  assignState(node: Node, slot: string, value: tf.Tensor): void {
    const e = this.entries.find((x) => x.node === node && x.slot === slot);
    if (e === undefined) {
      value.dispose();
      return;
    }
    e.raw.assign(value);
    value.dispose();
  }

  afterStep(info: StepInfo): void {
    for (const e of this.entries) for (const inst of e.instances) inst.afterStep?.(e.raw, info);
  }

  afterEpoch(info: StepInfo): void {
    for (const e of this.entries) for (const inst of e.instances) inst.afterEpoch?.(e.raw, info);
  }

  /**
   * Write every weight's final effective value (training = false) into the IR, then let each
   * transform instance record its annotation, in stage order; activation transforms annotate values.
   */
  writeBack(info: StepInfo): void {
    for (const e of this.entries) {
      // Read inside the scope, return nothing from it: tf.tidy walks whatever its function returns
      // key by key, which for a typed array is every element (~0.1 s per fit on the reference CNN).
      let values: ArrayLike<number> = [];
      tf.tidy(() => {
        let w: tf.Tensor = e.raw;
        for (const inst of e.instances) w = inst.forward(w, { ...info, training: false });
        values = w.dataSync() as Float32Array;
      });
      const data = Float32Array.from(values);
      const shape = [...e.weight.tensor.shape];
      e.weight.tensor =
        e.weight.tensor.dtype === 'float16'
          ? coreTensor('float16', shape, toFloat16Array(data))
          : coreTensor('float32', shape, data);
      for (const inst of e.instances) inst.strip(e.weight);
    }
    for (const { value, instances } of this.activationList)
      for (const inst of instances) inst.strip(value);
    this.graph.touch();
  }

  dispose(): void {
    for (const e of this.entries) {
      for (const inst of e.instances) inst.dispose();
      e.raw.dispose();
    }
    for (const { instances } of this.activationList) for (const inst of instances) inst.dispose();
    this.entries.length = 0;
    this.activationList.length = 0;
    this.activations.clear();
  }
}
