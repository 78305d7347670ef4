import { Graph, type Attributes, type Value, type Weight } from './graph';
import type { OpRegistry, WeightSlot } from './op-registry';
import { createRng, type Rng } from './random';
import { defaultOpRegistry } from './registry-default';
import { inferNode } from './shape-inference';
import { sizeOf, tensor, type Tensor } from './tensor';
import { verifyGraph } from './verifier';

/**
 * Glorot-uniform initial values for a kernel shape (Keras' default initialiser):
 * U(−l, l), l = sqrt(6 / (fanIn + fanOut)), with the receptive field folded into both fans.
 */
export function glorotUniform(shape: readonly number[], rng: Rng): Float32Array {
  const n = sizeOf(shape);
  let fanIn: number;
  let fanOut: number;
  if (shape.length === 2) {
    fanIn = shape[0]!;
    fanOut = shape[1]!;
  } else if (shape.length >= 3) {
    const receptive = shape.slice(0, -2).reduce((a, b) => a * b, 1);
    fanIn = receptive * shape[shape.length - 2]!;
    fanOut = receptive * shape[shape.length - 1]!;
  } else {
    fanIn = fanOut = Math.max(1, n);
  }
  const limit = Math.sqrt(6 / (fanIn + fanOut));
  const out = new Float32Array(n);
  for (let i = 0; i < n; i++) out[i] = rng.uniform(-limit, limit);
  return out;
}

function initialValue(slot: WeightSlot, shape: number[], rng: Rng): Tensor {
  switch (slot.role) {
    case 'kernel':
      return tensor('float32', shape, glorotUniform(shape, rng));
    case 'scale':
      return tensor('float32', shape, new Float32Array(sizeOf(shape)).fill(1));
    case 'statistic':
      return tensor(
        'float32',
        shape,
        new Float32Array(sizeOf(shape)).fill(slot.name.toLowerCase().includes('var') ? 1 : 0),
      );
    default:
      return tensor('float32', shape);
  }
}

/**
 * Build graphs layer by layer with shapes inferred as you go. Weights not given are initialised
 * like Keras does (Glorot-uniform kernels, zero biases, unit gamma/variance) from a seeded RNG.
 */
export class GraphBuilder {
  readonly graph: Graph;
  private readonly registry: OpRegistry;
  private readonly rng: Rng;

  constructor(name = 'model', options: { registry?: OpRegistry; seed?: number } = {}) {
    this.graph = new Graph(name);
    this.registry = options.registry ?? defaultOpRegistry;
    this.rng = createRng(options.seed ?? 0);
  }

  input(name: string, shape: readonly number[]): Value {
    return this.graph.addInput(name, shape);
  }

  /** Add a layer reading `inputs`; returns its (first) output value. */
  layer(
    op: string,
    name: string,
    inputs: Value | Value[],
    attrs: Attributes = {},
    weights: Record<string, Tensor | Weight> = {},
  ): Value {
    const ins = Array.isArray(inputs) ? inputs : [inputs];
    const node = this.graph.addNode({ name, op, inputs: ins, attrs, weights: {} });
    try {
      inferNode(node, this.registry).forEach((info, i) => {
        node.outputs[i]!.shape = info.shape;
        node.outputs[i]!.dtype = info.dtype;
      });
      const slots = this.registry.weightSlots(node);
      const resolved = this.registry.resolveAttrs(node);
      const ctx = {
        node: name,
        attrs: resolved,
        inputShapes: ins.map((v) => v.shape!),
        inputDtypes: ins.map((v) => v.dtype),
      };
      for (const slot of slots) {
        const given = weights[slot.name];
        node.weights[slot.name] =
          given === undefined
            ? { tensor: initialValue(slot, slot.shape(ctx), this.rng), annotations: {} }
            : 'tensor' in given
              ? given
              : { tensor: given, annotations: {} };
      }
    } catch (e) {
      this.graph.removeNode(node);
      throw e;
    }
    return node.output;
  }

  /** Set the graph outputs, verify, and return the graph. */
  build(outputs: Value | Value[]): Graph {
    this.graph.outputs = Array.isArray(outputs) ? outputs : [outputs];
    verifyGraph(this.graph, { registry: this.registry });
    return this.graph;
  }
}
