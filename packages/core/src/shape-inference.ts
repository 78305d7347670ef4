import { GraphError, ShapeError } from './errors';
import type { Graph, Node } from './graph';
import type { OpRegistry, OutputInfo } from './op-registry';
import { defaultOpRegistry } from './registry-default';
import { formatShape, shapesEqual } from './tensor';

/** Infer the outputs of one node from its (already known) input shapes. */
export function inferNode(node: Node, registry: OpRegistry = defaultOpRegistry): OutputInfo[] {
  const def = registry.get(node.op, node.name);
  if (node.inputs.length < def.minInputs || node.inputs.length > def.maxInputs) {
    const range =
      def.maxInputs === Infinity
        ? `at least ${def.minInputs}`
        : def.minInputs === def.maxInputs
          ? `${def.minInputs}`
          : `${def.minInputs}–${def.maxInputs}`;
    throw new GraphError(`${node.op} takes ${range} inputs, got ${node.inputs.length}`, {
      node: node.name,
      field: 'inputs',
    });
  }
  const attrs = registry.resolveAttrs(node);
  const inputShapes = node.inputs.map((v) => {
    if (v.shape === undefined)
      throw new ShapeError(`input "${v.name}" has no shape yet`, {
        node: node.name,
        field: v.name,
      });
    return v.shape;
  });
  const outs = def.infer({
    node: node.name,
    attrs,
    inputShapes,
    inputDtypes: node.inputs.map((v) => v.dtype),
  });
  if (outs.length !== node.outputs.length) {
    throw new GraphError(
      `${node.op} produces ${outs.length} outputs, node declares ${node.outputs.length}`,
      {
        node: node.name,
        field: 'outputs',
      },
    );
  }
  return outs;
}

/**
 * Set every value's shape and dtype by walking the graph in topological order. With
 * `check: true` existing shapes are compared instead and a mismatch is a ShapeError naming the value.
 */
export function inferShapes(
  graph: Graph,
  options: { registry?: OpRegistry; check?: boolean } = {},
): void {
  const registry = options.registry ?? defaultOpRegistry;
  for (const node of graph.topologicalOrder()) {
    const outs = inferNode(node, registry);
    outs.forEach((info, i) => {
      const v = node.outputs[i]!;
      if (options.check && v.shape !== undefined && !shapesEqual(v.shape, info.shape)) {
        throw new ShapeError(
          `value "${v.name}" is declared ${formatShape(v.shape)} but ${node.op} produces ${formatShape(info.shape)}`,
          { node: node.name, field: v.name },
        );
      }
      v.shape = info.shape;
      if (!options.check) v.dtype = info.dtype;
    });
  }
}
