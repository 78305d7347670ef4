import {
  checkLayerSelection,
  compileLayerSelection,
  type Graph,
  type LayerSelection,
  type Node,
  type OpRegistry,
  type Weight,
  type WeightCapabilities,
} from '@collabopt/core';

/**
 * Which weights a pruning pass touches. Only weights the op registry marks prunable are candidates
 * (conv, depthwise and dense kernels; never biases or normalisation parameters. TFMOT's
 * PruneRegistry leaves depthwise kernels alone; collabopt prunes them, see issue #13). With no `layers`/`ops`, every candidate is pruned; otherwise only candidates of
 * a listed layer or op type. `exclude`/`excludeOps` then remove layers.
 *
 * Layer patterns are exact node names, or regular expressions written `/source/flags`.
 */
export interface PruningPolicy extends LayerSelection {
  /** Programmatic veto, applied last. */
  readonly allow?: (node: Node, slot: string, capabilities: WeightCapabilities) => boolean;
}

/** A weight selected for pruning. */
export interface PrunableWeight {
  readonly node: Node;
  readonly slot: string;
  readonly weight: Weight;
  readonly capabilities: WeightCapabilities;
}

/** A compiled policy: decide per weight. */
export interface CompiledPolicy {
  allows(node: Node, slot: string, capabilities: WeightCapabilities): boolean;
}

export function compilePolicy(policy: PruningPolicy = {}): CompiledPolicy {
  const selection = compileLayerSelection(policy);
  return {
    allows(node, slot, capabilities) {
      if (!capabilities.prunable || !selection.selects(node)) return false;
      return policy.allow ? policy.allow(node, slot, capabilities) : true;
    },
  };
}

/**
 * The weights of `graph` the policy prunes, in node order. Typos fail loudly: an op name the
 * registry does not know, a layer name that is not in the graph, a named layer without prunable
 * weights, or a pattern that matches no layer is an InvalidArgumentError.
 */
export function selectPrunableWeights(
  graph: Graph,
  registry: OpRegistry,
  policy: PruningPolicy = {},
): PrunableWeight[] {
  checkLayerSelection(graph, registry, policy, {
    test: (node) => registry.weightSlots(node).some((s) => s.capabilities.prunable),
    what: 'prunable weight',
  });
  const compiled = compilePolicy(policy);
  const out: PrunableWeight[] = [];
  for (const node of graph.nodes) {
    if (Object.keys(node.weights).length === 0) continue;
    for (const slot of registry.weightSlots(node)) {
      const weight = node.weights[slot.name];
      if (weight === undefined) continue;
      if (compiled.allows(node, slot.name, slot.capabilities))
        out.push({ node, slot: slot.name, weight, capabilities: slot.capabilities });
    }
  }
  return out;
}
