import { GraphError, ShapeError } from './errors';
import type { Graph } from './graph';
import { channelLayout } from './channels';
import type { OpRegistry } from './op-registry';
import { defaultOpRegistry } from './registry-default';
import { inferShapes } from './shape-inference';
import { formatShape, shapesEqual, sizeOf } from './tensor';

export interface VerifyOptions {
  registry?: OpRegistry;
  /** Accept nodes whose outputs nobody reads (default: rejected as dead code). */
  allowDeadNodes?: boolean;
}

/**
 * Check the structural rules of a graph; throws a typed error naming the node and field:
 * known ops and valid attributes, inputs produced inside the graph, acyclic, input counts,
 * shapes consistent with inference, weights present with the shapes the op expects,
 * annotation sizes matching their weights, no dead nodes.
 */
export function verifyGraph(graph: Graph, options: VerifyOptions = {}): void {
  const registry = options.registry ?? defaultOpRegistry;
  const produced = new Set(graph.nodes.flatMap((n) => n.outputs));
  for (const node of graph.nodes) {
    registry.get(node.op, node.name);
    node.inputs.forEach((v, i) => {
      if (!produced.has(v)) {
        throw new GraphError(
          `input ${i} reads value "${v.name}" that no node of this graph produces`,
          {
            node: node.name,
            field: `inputs[${i}]`,
          },
          'GRAPH_DANGLING_VALUE',
        );
      }
    });
  }
  for (const v of graph.outputs) {
    if (!produced.has(v)) {
      throw new GraphError(
        `graph output "${v.name}" is not produced by any node`,
        { field: v.name },
        'GRAPH_DANGLING_VALUE',
      );
    }
  }
  for (const v of graph.inputs) {
    if (!produced.has(v) || v.producer.op !== 'Input') {
      throw new GraphError(`graph input "${v.name}" is not produced by an Input node`, {
        field: v.name,
      });
    }
  }
  if (graph.outputs.length === 0)
    throw new GraphError('graph has no outputs', {}, 'GRAPH_NO_OUTPUTS');
  graph.topologicalOrder(); // throws on cycles
  inferShapes(graph, { registry, check: true });

  const outputs = new Set(graph.outputs);
  for (const node of graph.nodes) {
    if (
      !options.allowDeadNodes &&
      node.outputs.every((v) => !outputs.has(v) && graph.consumers(v).length === 0)
    ) {
      throw new GraphError(
        'node output is never used (dead node); remove it or mark it as a graph output',
        {
          node: node.name,
        },
        'GRAPH_DEAD_NODE',
      );
    }
    const attrs = registry.resolveAttrs(node);
    const slots = registry.weightSlots(node);
    const ctx = {
      node: node.name,
      attrs,
      inputShapes: node.inputs.map((v) => v.shape!),
      inputDtypes: node.inputs.map((v) => v.dtype),
    };
    for (const slot of slots) {
      const w = node.weights[slot.name];
      if (w === undefined)
        throw new GraphError(
          `missing weight "${slot.name}"`,
          { node: node.name, field: slot.name },
          'GRAPH_MISSING_WEIGHT',
        );
      const expected = slot.shape(ctx);
      if (!shapesEqual(w.tensor.shape, expected)) {
        throw new ShapeError(
          `weight "${slot.name}" has shape ${formatShape(w.tensor.shape)}, ${node.op} expects ${formatShape(expected)}`,
          {
            node: node.name,
            field: slot.name,
          },
        );
      }
      if (w.tensor.data.length !== sizeOf(w.tensor.shape)) {
        throw new ShapeError(
          `weight "${slot.name}" holds ${w.tensor.data.length} elements for shape ${formatShape(w.tensor.shape)}`,
          {
            node: node.name,
            field: slot.name,
          },
        );
      }
      const n = w.tensor.data.length;
      const { mask, codebook, quant } = w.annotations;
      const where = { node: node.name, field: slot.name };
      if (mask && mask.mask.length !== n)
        throw new GraphError(
          `mask has ${mask.mask.length} entries for ${n} weights`,
          where,
          'ANNOTATION_INVALID',
        );
      if (codebook && codebook.indices.length !== n) {
        throw new GraphError(
          `codebook has ${codebook.indices.length} indices for ${n} weights`,
          where,
          'ANNOTATION_INVALID',
        );
      }
      if (quant?.channelAxes) {
        const c = channelLayout(w.tensor.shape, quant.channelAxes).count;
        if (quant.scale.length !== c)
          throw new GraphError(
            `quant has ${quant.scale.length} scales for ${c} channels`,
            where,
            'ANNOTATION_INVALID',
          );
      }
    }
    const declared = new Set(slots.map((s) => s.name));
    for (const slot of Object.keys(node.weights)) {
      if (!declared.has(slot)) {
        throw new GraphError(
          `unexpected weight "${slot}"; ${node.op} declares ${[...declared].join(', ') || 'no weights'} for these attributes`,
          {
            node: node.name,
            field: slot,
          },
          'GRAPH_UNEXPECTED_WEIGHT',
        );
      }
    }
  }
}
