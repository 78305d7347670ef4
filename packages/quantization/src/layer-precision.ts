import {
  InvalidArgumentError,
  checkLayerSelection,
  compileLayerSelection,
  defineOptions,
  isEmptyLayerSelection,
  layerPattern,
  type Graph,
  type LayerPattern,
  type LayerSelection,
  type Node,
  type OpRegistry,
  type Value,
} from '@collabopt/core';
import { WEIGHT_BITS } from './weight-bits';

/**
 * Per-layer precision options shared by every quantization pass (ptq, qat, pqat, cqat, pcqat):
 * which layers are quantized (core's layer selector, the one `prune` uses) and per-layer weight
 * bit widths. Text pipelines: `ptq(exclude=[dense_1], layerBits="conv2:4,/dense.*\/:8")`.
 */
export const LAYER_PRECISION_OPTIONS = defineOptions({
  layers: {
    kind: 'strings',
    description: 'quantize only these layers (names or /regex/); the others stay float',
    optional: true,
  },
  ops: {
    kind: 'strings',
    description: 'quantize only layers of these op types; the others stay float',
    optional: true,
  },
  exclude: {
    kind: 'strings',
    description: 'keep these layers float (names or /regex/)',
    optional: true,
  },
  excludeOps: {
    kind: 'strings',
    description: 'keep layers of these op types float',
    optional: true,
  },
  layerBits: {
    kind: 'strings',
    description:
      'per-layer weight bits, "layer:bits" entries (layer name, /regex/ or op type; bits 4–8), e.g. "conv2:4,dense_1:8"',
    optional: true,
  },
});

/** The library form of the per-layer options. */
export interface LayerPrecisionOptions extends LayerSelection {
  /** `"layer:bits"` entries (one per element or comma-separated). */
  readonly layerBits?: readonly string[];
}

/** One parsed `layerBits` entry: a layer name, `/regex/` or op type, and its weight bits. */
export interface LayerBitsRule {
  readonly target: string;
  readonly bits: number;
}

/**
 * Parse `layerBits` text: comma-separated `target:bits` entries; a `/regex/flags` target may
 * contain commas and colons. Malformed entries are InvalidArgumentErrors naming the entry.
 */
export function parseLayerBits(entries: readonly string[]): LayerBitsRule[] {
  const rules: LayerBitsRule[] = [];
  for (const text of entries) {
    let rest = text.trim();
    while (rest.length > 0) {
      const m = /^(\/(?:[^/\\]|\\.)*\/[a-z]*|[^,:\s]+)\s*:\s*(\d+)\s*(?:,\s*|$)/.exec(rest);
      if (!m) {
        throw new InvalidArgumentError(
          `layerBits: cannot read "${rest}" (expected entries "layer:bits" separated by commas, e.g. "conv2:4,dense_1:8")`,
          { field: 'layerBits' },
        );
      }
      const bits = Number(m[2]);
      if (bits < WEIGHT_BITS.min || bits > WEIGHT_BITS.max) {
        throw new InvalidArgumentError(
          `layerBits: ${m[1]} asks for ${bits}-bit weights; choose ${WEIGHT_BITS.min} to ${WEIGHT_BITS.max}`,
          { field: 'layerBits' },
        );
      }
      rules.push({ target: m[1]!, bits });
      rest = rest.slice(m[0].length);
    }
  }
  return rules;
}

/** Per-layer decisions of one quantization run. */
export interface LayerPrecision {
  /** Layers that stay float inside the integer model, in node order. */
  readonly floatLayers: readonly string[];
  isFloat(node: Node): boolean;
  /** The layer's weight bits override (last matching `layerBits` rule), if any. */
  weightBits(node: Node): number | undefined;
}

/** Every layer quantized, no overrides. */
export const ALL_LAYERS_QUANTIZED: LayerPrecision = {
  floatLayers: [],
  isFloat: () => false,
  weightBits: () => undefined,
};

/**
 * Resolve the per-layer options against `graph`: typos (unknown layer, op or pattern matching
 * nothing) are InvalidArgumentErrors, as in `prune`. A layer that is both float and given bits is
 * an error (float layers have no weight grid).
 */
export function resolveLayerPrecision(
  graph: Graph,
  registry: OpRegistry,
  options: LayerPrecisionOptions,
): LayerPrecision {
  const selection: LayerSelection = {
    ...(options.layers ? { layers: options.layers } : {}),
    ...(options.ops ? { ops: options.ops } : {}),
    ...(options.exclude ? { exclude: options.exclude } : {}),
    ...(options.excludeOps ? { excludeOps: options.excludeOps } : {}),
  };
  const rules = parseLayerBits(options.layerBits ?? []);
  if (isEmptyLayerSelection(selection) && rules.length === 0) return ALL_LAYERS_QUANTIZED;
  checkLayerSelection(graph, registry, selection);
  const compiled = compileLayerSelection(selection);
  const floatSet = new Set<string>();
  for (const node of graph.topologicalOrder()) {
    if (node.op !== 'Input' && !compiled.selects(node)) floatSet.add(node.name);
  }
  const matchers: { pattern: LayerPattern | undefined; op: string | undefined; bits: number }[] =
    rules.map((r) => {
      const pattern = layerPattern(r.target, 'layerBits');
      const byName = graph.nodes.some((n) => pattern.test(n.name));
      if (byName) return { pattern, op: undefined, bits: r.bits };
      if (!pattern.regex && registry.has(r.target))
        return { pattern: undefined, op: r.target, bits: r.bits };
      throw new InvalidArgumentError(
        `layerBits: ${r.target} is neither a layer of the graph nor a known op type`,
        { field: 'layerBits', ...(pattern.regex ? {} : { node: r.target }) },
      );
    });
  const weightBits = (node: Node): number | undefined => {
    let bits: number | undefined;
    for (const m of matchers)
      if (m.op === node.op || (m.pattern && m.pattern.test(node.name))) bits = m.bits;
    return bits;
  };
  for (const node of graph.nodes) {
    if (floatSet.has(node.name) && weightBits(node) !== undefined) {
      throw new InvalidArgumentError(
        `layerBits: ${node.name} stays float (layers/exclude options), so it has no weight bits; drop one of the two`,
        { field: 'layerBits', node: node.name },
      );
    }
  }
  return {
    floatLayers: [...floatSet],
    isFloat: (node) => floatSet.has(node.name),
    weightBits,
  };
}

/**
 * The activation values that stay float when `precision` keeps layers float: values produced by a
 * float layer (or a graph input) and read only by float layers, except graph inputs and outputs
 * of an int8-I/O model. Every other value is integer, so the fake-quant simulation and the writers
 * (QUANTIZE/DEQUANTIZE where integer and float layers meet) agree.
 */
export function floatValues(
  graph: Graph,
  precision: LayerPrecision,
  options: { integerIo?: boolean } = {},
): Set<Value> {
  const out = new Set<Value>();
  if (precision.floatLayers.length === 0) return out;
  const isFloatNode = (n: Node): boolean => n.op === 'Input' || precision.isFloat(n);
  const consumers = new Map<Value, Node[]>();
  for (const n of graph.nodes) {
    for (const v of n.inputs) {
      const list = consumers.get(v);
      if (list) list.push(n);
      else consumers.set(v, [n]);
    }
  }
  for (const n of graph.nodes) {
    if (!isFloatNode(n)) continue;
    for (const v of n.outputs) {
      const keepsInt =
        options.integerIo === true && (n.op === 'Input' || graph.outputs.includes(v));
      if (!keepsInt && (consumers.get(v) ?? []).every(isFloatNode)) out.add(v);
    }
  }
  return out;
}

/**
 * After a quantization pass annotated every activation and weight: drop `quant`/`range` of the
 * values that stay float (`floatValues`) and the weights' `quant` of float layers, and record
 * `floatLayers` on the graph's quantization metadata (docs/quantization-contract.md).
 */
export function applyFloatLayers(
  graph: Graph,
  precision: LayerPrecision,
  options: { integerIo?: boolean } = {},
): void {
  if (precision.floatLayers.length === 0) return;
  for (const v of floatValues(graph, precision, options)) {
    delete v.annotations.quant;
    delete v.annotations.range;
  }
  for (const n of graph.nodes) {
    if (precision.isFloat(n)) for (const w of Object.values(n.weights)) delete w.annotations.quant;
  }
  const q = graph.metadata['quantization'];
  graph.metadata['quantization'] = {
    ...(q && typeof q === 'object' ? q : {}),
    floatLayers: [...precision.floatLayers],
  };
  graph.touch();
}
