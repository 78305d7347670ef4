import {
  InvalidArgumentError,
  type Graph,
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
export interface PruningPolicy {
  readonly layers?: readonly string[];
  readonly ops?: readonly string[];
  readonly exclude?: readonly string[];
  readonly excludeOps?: readonly string[];
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

type Matcher = {
  readonly text: string;
  readonly test: (name: string) => boolean;
  readonly regex: boolean;
};

function matcher(pattern: string, field: string): Matcher {
  const m = /^\/(.*)\/([a-z]*)$/s.exec(pattern);
  if (!m) return { text: pattern, test: (name) => name === pattern, regex: false };
  try {
    const re = new RegExp(m[1]!, m[2]);
    return { text: pattern, test: (name) => re.test(name), regex: true };
  } catch (e) {
    throw new InvalidArgumentError(
      `${field}: invalid regular expression ${pattern}: ${(e as Error).message}`,
      { field },
    );
  }
}

/** A compiled policy: decide per weight. */
export interface CompiledPolicy {
  allows(node: Node, slot: string, capabilities: WeightCapabilities): boolean;
}

export function compilePolicy(policy: PruningPolicy = {}): CompiledPolicy {
  const layers = (policy.layers ?? []).map((p) => matcher(p, 'layers'));
  const exclude = (policy.exclude ?? []).map((p) => matcher(p, 'exclude'));
  const ops = new Set(policy.ops ?? []);
  const excludeOps = new Set(policy.excludeOps ?? []);
  const restricted = layers.length > 0 || ops.size > 0;
  return {
    allows(node, slot, capabilities) {
      if (!capabilities.prunable) return false;
      if (restricted && !ops.has(node.op) && !layers.some((l) => l.test(node.name))) return false;
      if (excludeOps.has(node.op) || exclude.some((l) => l.test(node.name))) return false;
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
  for (const [field, list] of [
    ['ops', policy.ops],
    ['excludeOps', policy.excludeOps],
  ] as const) {
    for (const op of list ?? []) {
      if (!registry.has(op)) {
        throw new InvalidArgumentError(
          `${field}: unknown op type "${op}" (known: ${registry.names().join(', ')})`,
          { field },
        );
      }
    }
  }
  for (const [field, list] of [
    ['layers', policy.layers],
    ['exclude', policy.exclude],
  ] as const) {
    for (const pattern of list ?? []) {
      const m = matcher(pattern, field);
      const hits = graph.nodes.filter((n) => m.test(n.name));
      if (hits.length === 0) {
        throw new InvalidArgumentError(
          `${field}: ${m.regex ? 'pattern' : 'layer'} ${pattern} matches no layer of the graph`,
          {
            field,
            ...(m.regex ? {} : { node: pattern }),
          },
        );
      }
      if (field === 'layers' && !m.regex) {
        const node = hits[0]!;
        const prunable = registry.weightSlots(node).some((s) => s.capabilities.prunable);
        if (!prunable) {
          throw new InvalidArgumentError(
            `layers: ${node.name} (${node.op}) has no prunable weight`,
            { field, node: node.name },
          );
        }
      }
    }
  }
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
