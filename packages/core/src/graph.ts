import type { ValueAnnotations, WeightAnnotations } from './annotations/types';
import { GraphError } from './errors';
import { cloneTensor, type DType, type Tensor } from './tensor';

/** Attribute values a node may carry (JSON-like, so graphs serialise trivially). */
export type AttrValue =
  | number
  | string
  | boolean
  | null
  | readonly number[]
  | readonly string[]
  | readonly (readonly number[])[];
export type Attributes = Record<string, AttrValue>;

/** A named parameter tensor of a node (kernel, bias, gamma, ...) with the contracts it carries. */
export interface Weight {
  tensor: Tensor;
  annotations: WeightAnnotations;
}

/** An edge of the graph: produced by exactly one node, consumed by any number. */
export class Value {
  /** Shape with `-1` for unknown (symbolic batch) dimensions; `undefined` before shape inference. */
  shape: number[] | undefined;
  dtype: DType;
  annotations: ValueAnnotations = {};
  /** @internal set by Graph */
  producer!: Node;

  constructor(
    readonly name: string,
    shape?: readonly number[],
    dtype: DType = 'float32',
  ) {
    this.shape = shape === undefined ? undefined : [...shape];
    this.dtype = dtype;
  }
}

/** A layer-level operation. */
export class Node {
  inputs: Value[];
  readonly outputs: Value[];
  attrs: Attributes;
  weights: Record<string, Weight>;

  constructor(
    readonly name: string,
    readonly op: string,
    inputs: Value[],
    outputs: Value[],
    attrs: Attributes,
    weights: Record<string, Weight>,
  ) {
    this.inputs = inputs;
    this.outputs = outputs;
    this.attrs = attrs;
    this.weights = weights;
  }

  get output(): Value {
    const v = this.outputs[0];
    if (v === undefined) throw new GraphError('node has no output', { node: this.name });
    return v;
  }

  weight(slot: string): Weight {
    const w = this.weights[slot];
    if (w === undefined)
      throw new GraphError(`node has no weight "${slot}"`, { node: this.name, field: slot });
    return w;
  }
}

export interface OutputSpec {
  name?: string;
  shape?: readonly number[];
  dtype?: DType;
}

export interface NodeSpec {
  name: string;
  op: string;
  inputs?: Value[];
  attrs?: Attributes;
  /** Weight tensors (annotations start empty) or full Weight records. */
  weights?: Record<string, Tensor | Weight>;
  /** Output values; default: one output named after the node. */
  outputs?: OutputSpec[];
}

function isWeight(x: Tensor | Weight): x is Weight {
  return (x as Weight).tensor !== undefined;
}

/**
 * A DAG of layer-level nodes. Node and value names are unique. Every edit goes through methods
 * that keep the structure consistent and bump `version` (the pass manager's cache key).
 */
export class Graph {
  name: string;
  readonly nodes: Node[] = [];
  inputs: Value[] = [];
  outputs: Value[] = [];
  /** Free-form model metadata (source file, producer, ...). */
  metadata: Record<string, unknown> = {};
  private _version = 0;
  private readonly nodeByName = new Map<string, Node>();
  private readonly valueByName = new Map<string, Value>();

  constructor(name = 'model') {
    this.name = name;
  }

  /** Increases on every structural edit; passes that edit tensors in place call `touch()`. */
  get version(): number {
    return this._version;
  }

  touch(): void {
    this._version++;
  }

  hasNode(name: string): boolean {
    return this.nodeByName.has(name);
  }

  node(name: string): Node {
    const n = this.nodeByName.get(name);
    if (n === undefined) throw new GraphError(`no node named "${name}"`, { node: name });
    return n;
  }

  findNode(name: string): Node | undefined {
    return this.nodeByName.get(name);
  }

  value(name: string): Value {
    const v = this.valueByName.get(name);
    if (v === undefined) throw new GraphError(`no value named "${name}"`, { field: name });
    return v;
  }

  findValue(name: string): Value | undefined {
    return this.valueByName.get(name);
  }

  /** A name not yet used by any node or value, derived from `base`. */
  uniqueName(base: string): string {
    if (!this.nodeByName.has(base) && !this.valueByName.has(base)) return base;
    for (let i = 1; ; i++) {
      const candidate = `${base}_${i}`;
      if (!this.nodeByName.has(candidate) && !this.valueByName.has(candidate)) return candidate;
    }
  }

  /** Add a graph input (an `Input` node producing one value). */
  addInput(name: string, shape: readonly number[], dtype: DType = 'float32'): Value {
    const node = this.addNode({
      name,
      op: 'Input',
      attrs: { shape: [...shape], dtype },
      outputs: [{ name, shape, dtype }],
    });
    this.inputs.push(node.output);
    return node.output;
  }

  addNode(spec: NodeSpec): Node {
    if (this.nodeByName.has(spec.name)) {
      throw new GraphError(`a node named "${spec.name}" already exists`, { node: spec.name });
    }
    const inputs = spec.inputs ?? [];
    for (const v of inputs) this.assertOwnValue(v, spec.name);
    const outSpecs = spec.outputs ?? [{ name: spec.name }];
    const outputs = outSpecs.map((o, i) => {
      const vname = o.name ?? (outSpecs.length === 1 ? spec.name : `${spec.name}:${i}`);
      if (this.valueByName.has(vname)) {
        throw new GraphError(`a value named "${vname}" already exists`, {
          node: spec.name,
          field: vname,
        });
      }
      return new Value(vname, o.shape, o.dtype ?? 'float32');
    });
    const weights: Record<string, Weight> = {};
    for (const [slot, w] of Object.entries(spec.weights ?? {})) {
      weights[slot] = isWeight(w) ? w : { tensor: w, annotations: {} };
    }
    const node = new Node(
      spec.name,
      spec.op,
      [...inputs],
      outputs,
      { ...(spec.attrs ?? {}) },
      weights,
    );
    for (const v of outputs) {
      v.producer = node;
      this.valueByName.set(v.name, v);
    }
    this.nodes.push(node);
    this.nodeByName.set(node.name, node);
    this._version++;
    return node;
  }

  /**
   * Nodes that read `value`, in graph order (a node reading it twice appears once). Computed from
   * the nodes each time, so it stays right even after direct edits of `node.inputs`.
   */
  consumers(value: Value): Node[] {
    return this.nodes.filter((n) => n.inputs.includes(value));
  }

  /** Point every reader of `from` (nodes and graph outputs) at `to`. */
  replaceAllUsesWith(from: Value, to: Value): void {
    this.assertOwnValue(from);
    this.assertOwnValue(to);
    for (const n of this.nodes) {
      if (n.outputs.includes(to) && n.inputs.includes(from)) continue; // the new producer keeps its input
      n.inputs = n.inputs.map((v) => (v === from ? to : v));
    }
    this.outputs = this.outputs.map((v) => (v === from ? to : v));
    this._version++;
  }

  /** Replace the input at `index` of `node`. */
  setInput(node: Node, index: number, value: Value): void {
    this.assertOwnValue(value, node.name);
    if (index < 0 || index >= node.inputs.length) {
      throw new GraphError(`input index ${index} out of range`, { node: node.name });
    }
    node.inputs[index] = value;
    this._version++;
  }

  /**
   * Remove a node. Its outputs must be unused (or `rewire` maps each output to a replacement,
   * whose users are redirected first).
   */
  removeNode(node: Node, rewire?: readonly (Value | undefined)[]): void {
    if (this.nodeByName.get(node.name) !== node) {
      throw new GraphError('node is not part of this graph', { node: node.name });
    }
    node.outputs.forEach((v, i) => {
      const replacement = rewire?.[i];
      if (replacement !== undefined) this.replaceAllUsesWith(v, replacement);
    });
    for (const v of node.outputs) {
      const users = this.consumers(v).filter((n) => n !== node);
      if (users.length > 0) {
        throw new GraphError(
          `cannot remove node: value "${v.name}" is still read by ${users.map((u) => u.name).join(', ')}`,
          {
            node: node.name,
          },
        );
      }
      if (this.outputs.includes(v)) {
        throw new GraphError(`cannot remove node: value "${v.name}" is a graph output`, {
          node: node.name,
        });
      }
    }
    this.nodes.splice(this.nodes.indexOf(node), 1);
    this.nodeByName.delete(node.name);
    for (const v of node.outputs) this.valueByName.delete(v.name);
    this.inputs = this.inputs.filter((v) => v.producer !== node);
    this._version++;
  }

  /** Replace `node` by a new node built from `spec`; its outputs take over the old outputs' users. */
  replaceNode(node: Node, spec: NodeSpec): Node {
    const tmpName =
      spec.name === node.name ? this.uniqueName(`${spec.name}__replacement`) : spec.name;
    const outputs = spec.outputs?.map((o, i) => ({
      ...o,
      name: o.name === node.outputs[i]?.name ? this.uniqueName(`${o.name}__replacement`) : o.name,
    }));
    const created = this.addNode({ ...spec, name: tmpName, ...(outputs ? { outputs } : {}) });
    if (created.outputs.length !== node.outputs.length) {
      throw new GraphError(
        `replacement has ${created.outputs.length} outputs, node has ${node.outputs.length}`,
        {
          node: node.name,
        },
      );
    }
    const wasInput = this.inputs.indexOf(node.outputs[0]!);
    this.removeNode(node, created.outputs);
    if (wasInput >= 0) this.inputs.splice(wasInput, 0, created.outputs[0]!);
    if (tmpName !== spec.name) this.renameNode(created, spec.name);
    created.outputs.forEach((v, i) => {
      const wanted =
        spec.outputs?.[i]?.name ?? (created.outputs.length === 1 ? spec.name : `${spec.name}:${i}`);
      if (v.name !== wanted && !this.valueByName.has(wanted)) this.renameValue(v, wanted);
    });
    return created;
  }

  /**
   * Insert a new single-input node right after `value`: every reader of `value` (and the graph
   * outputs) now reads the new node's output.
   */
  insertAfter(value: Value, spec: Omit<NodeSpec, 'inputs'> & { extraInputs?: Value[] }): Node {
    const readers = this.consumers(value);
    const isOutput = this.outputs.includes(value);
    const node = this.addNode({ ...spec, inputs: [value, ...(spec.extraInputs ?? [])] });
    for (const r of readers) r.inputs = r.inputs.map((v) => (v === value ? node.output : v));
    if (isOutput) this.outputs = this.outputs.map((v) => (v === value ? node.output : v));
    this._version++;
    return node;
  }

  renameNode(node: Node, name: string): void {
    if (this.nodeByName.has(name))
      throw new GraphError(`a node named "${name}" already exists`, { node: name });
    this.nodeByName.delete(node.name);
    (node as { name: string }).name = name;
    this.nodeByName.set(name, node);
    this._version++;
  }

  renameValue(value: Value, name: string): void {
    if (this.valueByName.has(name))
      throw new GraphError(`a value named "${name}" already exists`, { field: name });
    this.valueByName.delete(value.name);
    (value as { name: string }).name = name;
    this.valueByName.set(name, value);
    this._version++;
  }

  /** Nodes in a topological order (stable: ties keep insertion order). Throws on a cycle. */
  topologicalOrder(): Node[] {
    const readers = new Map<Node, Node[]>();
    const indegree = new Map<Node, number>();
    for (const n of this.nodes) {
      const producers = new Set(n.inputs.map((v) => v.producer));
      indegree.set(n, producers.size);
      for (const p of producers) {
        const list = readers.get(p);
        if (list) list.push(n);
        else readers.set(p, [n]);
      }
    }
    const position = new Map(this.nodes.map((n, i) => [n, i] as const));
    const ready: Node[] = this.nodes.filter((n) => indegree.get(n) === 0);
    const order: Node[] = [];
    while (ready.length > 0) {
      ready.sort((a, b) => position.get(a)! - position.get(b)!);
      const n = ready.shift()!;
      order.push(n);
      for (const c of readers.get(n) ?? []) {
        const d = (indegree.get(c) ?? 0) - 1;
        indegree.set(c, d);
        if (d === 0) ready.push(c);
      }
    }
    if (order.length !== this.nodes.length) {
      const done = new Set(order);
      const stuck = this.nodes.filter((n) => !done.has(n)).map((n) => n.name);
      throw new GraphError(
        `graph has a cycle through ${stuck.join(', ')}`,
        { node: stuck[0] },
        'GRAPH_CYCLE',
      );
    }
    return order;
  }

  /** Every weight of the graph with its node and slot, in node order. */
  *weights(): Generator<{ node: Node; slot: string; weight: Weight }> {
    for (const node of this.nodes) {
      for (const [slot, weight] of Object.entries(node.weights)) yield { node, slot, weight };
    }
  }

  /** Deep copy: new nodes, values, tensors and annotations. */
  clone(): Graph {
    const g = new Graph(this.name);
    g.metadata = structuredClone(this.metadata);
    const map = new Map<Value, Value>();
    const mapped = (v: Value): Value => {
      const m = map.get(v);
      if (m === undefined)
        throw new GraphError(`value "${v.name}" is read before it is produced`, { field: v.name });
      return m;
    };
    const order = this.topologicalOrder();
    for (const n of order) {
      const weights: Record<string, Weight> = {};
      for (const [slot, w] of Object.entries(n.weights)) {
        weights[slot] = {
          tensor: cloneTensor(w.tensor),
          annotations: structuredClone(w.annotations),
        };
      }
      const created = g.addNode({
        name: n.name,
        op: n.op,
        inputs: n.inputs.map(mapped),
        attrs: structuredClone(n.attrs) as Attributes,
        weights,
        outputs: n.outputs.map((v) => ({
          name: v.name,
          ...(v.shape ? { shape: v.shape } : {}),
          dtype: v.dtype,
        })),
      });
      n.outputs.forEach((v, i) => {
        const nv = created.outputs[i]!;
        nv.annotations = structuredClone(v.annotations);
        map.set(v, nv);
      });
    }
    g.inputs = this.inputs.map(mapped);
    g.outputs = this.outputs.map(mapped);
    return g;
  }

  private assertOwnValue(v: Value, node?: string): void {
    if (this.valueByName.get(v.name) !== v) {
      throw new GraphError(`value "${v.name}" does not belong to this graph`, {
        ...(node ? { node } : {}),
        field: v.name,
      });
    }
  }
}
