import { defaultOpRegistry, type Graph, type OpRegistry } from '@collabopt/core';
import { mnViolations, type MNViolation } from './mn-mask';

export interface MNLayerCheck {
  readonly node: string;
  readonly slot: string;
  readonly groups: number;
  readonly violationCount: number;
  /** The first few violating groups. */
  readonly violations: readonly MNViolation[];
  readonly ok: boolean;
}

export interface MNCheck {
  readonly ok: boolean;
  readonly layers: readonly MNLayerCheck[];
}

/**
 * Check that every prunable weight (per the op registry, i.e. what TFMOT's m:n checker would
 * inspect: conv, depthwise and dense kernels) has at least m zeros in every n consecutive values along its
 * input-channel axis in the TFLite layout. Weights that are not float32 are skipped.
 */
export function checkMN(
  graph: Graph,
  m: number,
  n: number,
  registry: OpRegistry = defaultOpRegistry,
): MNCheck {
  const layers: MNLayerCheck[] = [];
  for (const node of graph.nodes) {
    if (Object.keys(node.weights).length === 0) continue;
    for (const slot of registry.weightSlots(node)) {
      const weight = node.weights[slot.name];
      if (
        !weight ||
        !slot.capabilities.prunable ||
        !(weight.tensor.data instanceof Float32Array) ||
        weight.tensor.shape.length < 2
      )
        continue;
      const r = mnViolations(
        weight.tensor.data,
        weight.tensor.shape,
        slot.capabilities.channelAxes,
        m,
        n,
        5,
      );
      layers.push({ node: node.name, slot: slot.name, ...r, ok: r.violationCount === 0 });
    }
  }
  return { ok: layers.every((l) => l.ok), layers };
}
