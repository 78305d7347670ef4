import { InvalidArgumentError } from './errors';
import type { Graph, Node } from './graph';
import type { OpRegistry } from './op-registry';

/**
 * Which layers a pass touches, the one selector every pass uses (prune, the quantization passes):
 * with no `layers`/`ops` every layer is selected, otherwise only a listed layer or op type;
 * `exclude`/`excludeOps` then remove layers. Layer patterns are exact node names, or regular
 * expressions written `/source/flags`.
 */
export interface LayerSelection {
  readonly layers?: readonly string[];
  readonly ops?: readonly string[];
  readonly exclude?: readonly string[];
  readonly excludeOps?: readonly string[];
}

/** One layer pattern: an exact name or a `/regex/flags`. */
export interface LayerPattern {
  readonly text: string;
  readonly regex: boolean;
  test(name: string): boolean;
}

/** Compile a layer pattern; an invalid regular expression is an InvalidArgumentError naming `field`. */
export function layerPattern(pattern: string, field: string): LayerPattern {
  const m = /^\/(.*)\/([a-z]*)$/s.exec(pattern);
  if (!m) return { text: pattern, regex: false, test: (name) => name === pattern };
  try {
    const re = new RegExp(m[1]!, m[2]);
    return { text: pattern, regex: true, test: (name) => re.test(name) };
  } catch (e) {
    throw new InvalidArgumentError(
      `${field}: invalid regular expression ${pattern}: ${(e as Error).message}`,
      { field },
    );
  }
}

/** A compiled selection: decides per node (ignoring capabilities; callers add their own). */
export interface CompiledLayerSelection {
  selects(node: Node): boolean;
}

export function compileLayerSelection(selection: LayerSelection = {}): CompiledLayerSelection {
  const layers = (selection.layers ?? []).map((p) => layerPattern(p, 'layers'));
  const exclude = (selection.exclude ?? []).map((p) => layerPattern(p, 'exclude'));
  const ops = new Set(selection.ops ?? []);
  const excludeOps = new Set(selection.excludeOps ?? []);
  const restricted = layers.length > 0 || ops.size > 0;
  return {
    selects(node) {
      if (restricted && !ops.has(node.op) && !layers.some((l) => l.test(node.name))) return false;
      return !(excludeOps.has(node.op) || exclude.some((l) => l.test(node.name)));
    },
  };
}

/** Whether a selection restricts anything at all. */
export function isEmptyLayerSelection(selection: LayerSelection): boolean {
  return (
    (selection.layers?.length ?? 0) === 0 &&
    (selection.ops?.length ?? 0) === 0 &&
    (selection.exclude?.length ?? 0) === 0 &&
    (selection.excludeOps?.length ?? 0) === 0
  );
}

/**
 * Typos fail loudly: an op name the registry does not know, a layer name that is not in the graph,
 * or a pattern that matches no layer is an InvalidArgumentError. `eligible` (e.g. "has a prunable
 * weight") is checked for layers named exactly in `layers`, and `what` names that capability in
 * the message ("prunable weight").
 */
export function checkLayerSelection(
  graph: Graph,
  registry: OpRegistry,
  selection: LayerSelection,
  eligible?: { readonly test: (node: Node) => boolean; readonly what: string },
): void {
  for (const [field, list] of [
    ['ops', selection.ops],
    ['excludeOps', selection.excludeOps],
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
    ['layers', selection.layers],
    ['exclude', selection.exclude],
  ] as const) {
    for (const pattern of list ?? []) {
      const m = layerPattern(pattern, field);
      const hits = graph.nodes.filter((n) => m.test(n.name));
      if (hits.length === 0) {
        throw new InvalidArgumentError(
          `${field}: ${m.regex ? 'pattern' : 'layer'} ${pattern} matches no layer of the graph`,
          { field, ...(m.regex ? {} : { node: pattern }) },
        );
      }
      if (field === 'layers' && !m.regex && eligible && !eligible.test(hits[0]!)) {
        const node = hits[0]!;
        throw new InvalidArgumentError(
          `layers: ${node.name} (${node.op}) has no ${eligible.what}`,
          {
            field,
            node: node.name,
          },
        );
      }
    }
  }
}
