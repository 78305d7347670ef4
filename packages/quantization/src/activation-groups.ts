import {
  defaultOpRegistry,
  type Graph,
  type Node,
  type OpRegistry,
  type Value,
} from '@collabopt/core';
import type { QuantParams } from './quant-params';

/** Activation element type of a quantization scheme. */
export type ActivationBits = 8 | 16;

/**
 * Whether the output is already on the input's grid (max of, or a copy of, grid values), so QAT
 * needs no fake-quant there (the op registry's `keepsInputGrid`: AvgPool2D and bilinear Upsample2D
 * average and must round again).
 */
export function preservesGrid(node: Node, registry: OpRegistry = defaultOpRegistry): boolean {
  return registry.keepsInputGrid(node);
}

/** Fixed output parameters of a value produced with a fixed-range function (softmax, sigmoid, tanh). */
export function fixedOutputParams(
  node: Node,
  bits: ActivationBits,
  registry: OpRegistry = defaultOpRegistry,
): QuantParams | undefined {
  let fn: string | undefined;
  if (node.op === 'Softmax') fn = 'softmax';
  else {
    const def = registry.get(node.op, node.name);
    if ('activation' in def.attrs) fn = String(registry.resolveAttrs(node)['activation']);
  }
  if (bits === 16) {
    if (fn === 'softmax' || fn === 'sigmoid' || fn === 'tanh')
      return { scale: 1 / 32768, zeroPoint: 0, qmin: -32768, qmax: 32767 };
    return undefined;
  }
  if (fn === 'softmax' || fn === 'sigmoid')
    return { scale: 1 / 256, zeroPoint: -128, qmin: -128, qmax: 127 };
  if (fn === 'tanh') return { scale: 1 / 128, zeroPoint: 0, qmin: -128, qmax: 127 };
  return undefined;
}

/** Values that must carry the same quantization parameters. */
export interface ActivationGroup {
  /** Members in topological order of their producers. */
  readonly members: readonly Value[];
  /** Fixed parameters (softmax/sigmoid/tanh outputs) when a member has them. */
  readonly fixed?: QuantParams;
  /**
   * Where QAT tracks the group's range: the Concat output when the group has one (TFLite needs one
   * range for all concat inputs and the output), else the first member.
   */
  readonly anchor: Value;
}

/**
 * Partition the float activation values of `graph` (graph inputs and node outputs) into groups that
 * share parameters, as the op registry declares (`quantization.sharedParams`): outputs of ops that
 * share their input's parameters (MaxPool2D, AvgPool2D, GlobalMaxPool, Reshape, Flatten, Pad,
 * Dropout, Upsample2D) join their input's group; every input of a Concat joins its output's group.
 */
export function activationGroups(
  graph: Graph,
  bits: ActivationBits = 8,
  registry: OpRegistry = defaultOpRegistry,
): ActivationGroup[] {
  const order = graph.topologicalOrder();
  const values: Value[] = [];
  for (const n of order) for (const v of n.outputs) if (v.dtype === 'float32') values.push(v);
  const parent = new Map<Value, Value>(values.map((v) => [v, v]));
  const find = (v: Value): Value => {
    let r = v;
    while (parent.get(r) !== r) r = parent.get(r)!;
    parent.set(v, r);
    return r;
  };
  const union = (a: Value, b: Value): void => {
    if (!parent.has(a) || !parent.has(b)) return;
    const ra = find(a);
    const rb = find(b);
    if (ra !== rb) parent.set(rb, ra);
  };
  for (const n of order) {
    const shared = registry.sharedQuantParams(n);
    if (shared === 'input' && n.inputs.length === 1) union(n.inputs[0]!, n.output);
    if (shared === 'inputs') for (const v of n.inputs) union(n.output, v);
  }
  const byRoot = new Map<Value, Value[]>();
  for (const v of values) {
    const r = find(v);
    const list = byRoot.get(r);
    if (list) list.push(v);
    else byRoot.set(r, [v]);
  }
  const groups: ActivationGroup[] = [];
  for (const members of byRoot.values()) {
    let fixed: QuantParams | undefined;
    for (const v of members) fixed ??= fixedOutputParams(v.producer, bits, registry);
    const concatOut = [...members]
      .reverse()
      .find((v) => registry.sharedQuantParams(v.producer) === 'inputs');
    groups.push({ members, anchor: concatOut ?? members[0]!, ...(fixed ? { fixed } : {}) });
  }
  return groups;
}
