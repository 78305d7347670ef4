import {
  BudgetExceededError,
  DTYPES,
  Graph,
  cloneTensor,
  createRng,
  glorotUniform,
  inferNode,
  sizeOf,
  tensor,
  type DType,
  type OpRegistry,
  type Rng,
  type Tensor,
  type Value,
  type WeightSlot,
} from '@collabopt/core';
import type { KerasGeneration } from './activations';
import { KERAS_ERROR_CODES, kerasError } from './errors';
import { JsonReader } from './json';
import { kerasLayerReader, knownKerasLayerClasses } from './layer-readers';

/**
 * Bytes the initial weights of a topology-only file may take in total unless the read option
 * `initialWeightBudgetBytes` says otherwise: 256 MiB (a few hundred bytes of JSON must not cost GBs).
 */
export const DEFAULT_INITIAL_WEIGHT_BUDGET_BYTES = 256 * 2 ** 20;

const MODEL_CLASSES = new Set(['Sequential', 'Model', 'Functional']);

/** A reference to one output tensor of one call of a layer (Keras `[layer, node_index, tensor_index]`). */
interface TensorRef {
  layer: string;
  node: number;
  tensor: number;
}

function refKey(r: TensorRef): string {
  return `${r.layer}\u0000${r.node}\u0000${r.tensor}`;
}

/** `[name, node, tensor, kwargs?]` (Keras 2 / TF.js). */
function parseListRef(r: JsonReader): TensorRef {
  const items = r.array();
  if (items.length < 3) r.fail('expected [layer_name, node_index, tensor_index]');
  return { layer: items[0]!.string(), node: items[1]!.int(), tensor: items[2]!.int() };
}

/** Keras 3 call arguments: collect `__keras_tensor__` references depth first. */
function collectKeras3Refs(r: JsonReader, out: TensorRef[]): void {
  if (r.isArray()) {
    for (const item of r.array()) collectKeras3Refs(item, out);
    return;
  }
  if (!r.isObject()) return;
  if (r.has('class_name') && r.get('class_name').value === '__keras_tensor__') {
    const history = r.get('config').get('keras_history');
    out.push(parseListRef(history));
    return;
  }
  if (r.has('args')) collectKeras3Refs(r.get('args'), out);
}

/** The input references of one call of a layer, in either Keras 2 or Keras 3 form. */
function parseCall(r: JsonReader): TensorRef[] {
  if (r.isObject()) {
    const refs: TensorRef[] = [];
    collectKeras3Refs(r.get('args'), refs);
    return refs;
  }
  return r.array().map(parseListRef);
}

/** `input_layers` / `output_layers`: a list of refs, or a single flat ref (Keras 3 single input). */
function parseEndpoints(r: JsonReader): TensorRef[] {
  const items = r.array();
  if (items.length > 0 && typeof items[0]!.value === 'string') return [parseListRef(r)];
  return items.map(parseListRef);
}

function dtypeOf(r: JsonReader): DType {
  if (r.isNull()) return 'float32';
  const name = r.isObject() ? r.get('config').get('name').string() : r.string();
  if (!(DTYPES as readonly string[]).includes(name)) r.fail(`dtype "${name}" is not supported`);
  return name as DType;
}

interface LayerJson {
  reader: JsonReader;
  className: string;
  name: string;
  config: JsonReader;
}

function layerJson(r: JsonReader): LayerJson {
  const className = r.get('class_name').string();
  const config = r.get('config');
  const nameR = r.get('name');
  const name = nameR.isNull() ? config.get('name').string() : nameR.string();
  return { reader: r, className, name, config };
}

/** Shape from `batch_input_shape` (Keras 2), `batch_shape` (Keras 3) or `input_shape`/`build_config`. */
function declaredInputShape(l: LayerJson): number[] | undefined {
  const c = l.config;
  if (c.has('batch_input_shape')) return c.get('batch_input_shape').shape();
  if (c.has('batch_shape')) return c.get('batch_shape').shape();
  if (c.has('input_shape')) return [-1, ...c.get('input_shape').shape()];
  const build = l.reader.get('build_config');
  if (!build.isNull() && build.has('input_shape')) return build.get('input_shape').shape();
  return undefined;
}

export interface TopologyReadOptions {
  registry: OpRegistry;
  /** Manifest weights by name; undefined for a topology-only file (weights are then initialised like Keras does). */
  weights: Map<string, Tensor> | undefined;
  generation: KerasGeneration;
  /** Seed for initial weights of topology-only files. */
  seed?: number;
  /** Total bytes of initial weights of a topology-only file (default DEFAULT_INITIAL_WEIGHT_BUDGET_BYTES). */
  initialWeightBudgetBytes?: number;
}

/** Builds the IR graph of a Keras model config (Sequential / Functional, nested models inlined). */
export class TopologyReader {
  readonly graph: Graph;
  private readonly usedWeights = new Set<string>();
  private readonly rng: Rng;
  private initialisedBytes = 0;

  constructor(
    name: string,
    private readonly options: TopologyReadOptions,
  ) {
    this.graph = new Graph(name);
    this.rng = createRng(options.seed ?? 0);
  }

  /** Build the whole model and check that every manifest weight was used. */
  read(className: string, config: JsonReader): Graph {
    const outputs = this.buildModel(className, config, [], undefined, 'model');
    this.graph.outputs = outputs;
    this.removeDeadNodes();
    if (this.options.weights) {
      const unused = [...this.options.weights.keys()].filter((n) => !this.usedWeights.has(n));
      if (unused.length > 0) {
        throw kerasError(
          KERAS_ERROR_CODES.manifestMismatch,
          `the weights manifest holds ${unused.length} weight(s) no layer of the topology uses: ${unused.slice(0, 5).join(', ')}${unused.length > 5 ? ', …' : ''}`,
          { field: unused[0]! },
        );
      }
    }
    return this.graph;
  }

  private buildModel(
    className: string,
    config: JsonReader,
    scope: string[],
    inputs: Value[] | undefined,
    name: string,
  ): Value[] {
    if (className === 'Sequential') {
      return [this.buildSequential(config, scope, inputs?.[0], name)];
    }
    return this.buildFunctional(config, scope, inputs, name);
  }

  private nodeName(base: string, scope: string[]): string {
    if (!this.graph.hasNode(base) && this.graph.findValue(base) === undefined) return base;
    return this.graph.uniqueName(scope.length > 0 ? `${scope.join('/')}/${base}` : base);
  }

  private addInput(l: LayerJson, shape: number[] | undefined, nameOverride?: string): Value {
    if (shape === undefined) {
      throw kerasError(
        KERAS_ERROR_CODES.badTopology,
        `input layer "${l.name}" declares no input shape (batch_input_shape / batch_shape)`,
        {
          node: l.name,
        },
      );
    }
    if (shape.length < 1)
      throw kerasError(
        KERAS_ERROR_CODES.badTopology,
        `input layer "${l.name}" has an empty shape`,
        { node: l.name },
      );
    const name = nameOverride ?? l.name;
    if (this.graph.hasNode(name))
      throw kerasError(KERAS_ERROR_CODES.badTopology, `two layers are named "${name}"`, {
        node: name,
      });
    const dtype = dtypeOf(l.config.get('dtype'));
    return this.graph.addInput(name, [-1, ...shape.slice(1)], dtype);
  }

  private buildSequential(
    config: JsonReader,
    scope: string[],
    input: Value | undefined,
    modelName: string,
  ): Value {
    const layers = (config.isArray() ? config : config.get('layers')).array().map(layerJson);
    if (layers.length === 0)
      throw kerasError(
        KERAS_ERROR_CODES.badTopology,
        `Sequential model "${modelName}" has no layers`,
      );
    let current = input;
    for (const l of layers) {
      if (l.className === 'InputLayer') {
        if (current === undefined) current = this.addInput(l, declaredInputShape(l));
        continue;
      }
      if (current === undefined) {
        // The first layer's batch_input_shape, else the model's build_input_shape (tf.keras 2.x).
        const built =
          config.isObject() && config.has('build_input_shape')
            ? config.get('build_input_shape').shape()
            : undefined;
        current = this.addInput(l, declaredInputShape(l) ?? built, `${l.name}_input`);
      }
      current = this.buildLayerCall(l, [current], scope, 0)[0]!;
    }
    if (current === undefined)
      throw kerasError(
        KERAS_ERROR_CODES.badTopology,
        `Sequential model "${modelName}" has no input`,
      );
    return current;
  }

  private buildFunctional(
    config: JsonReader,
    scope: string[],
    inputs: Value[] | undefined,
    modelName: string,
  ): Value[] {
    const layers = config.get('layers').array().map(layerJson);
    const inputRefs = parseEndpoints(config.get('input_layers'));
    const outputRefs = parseEndpoints(config.get('output_layers'));
    if (inputRefs.length === 0 || outputRefs.length === 0) {
      throw kerasError(
        KERAS_ERROR_CODES.badTopology,
        `model "${modelName}" declares no ${inputRefs.length === 0 ? 'inputs' : 'outputs'}`,
      );
    }
    const values = new Map<string, Value>();
    const byName = new Map<string, LayerJson>();
    for (const l of layers) {
      if (byName.has(l.name))
        throw kerasError(KERAS_ERROR_CODES.badTopology, `two layers are named "${l.name}"`, {
          node: l.name,
        });
      byName.set(l.name, l);
    }
    if (inputs !== undefined && inputs.length !== inputRefs.length) {
      throw kerasError(
        KERAS_ERROR_CODES.badTopology,
        `nested model "${modelName}" takes ${inputRefs.length} inputs, called with ${inputs.length}`,
        {
          node: modelName,
        },
      );
    }
    inputRefs.forEach((ref, i) => {
      const l = byName.get(ref.layer);
      if (l === undefined || l.className !== 'InputLayer') {
        throw kerasError(
          KERAS_ERROR_CODES.badTopology,
          `model input "${ref.layer}" is not an InputLayer of model "${modelName}"`,
          { node: ref.layer },
        );
      }
      values.set(
        refKey(ref),
        inputs !== undefined ? inputs[i]! : this.addInput(l, declaredInputShape(l)),
      );
    });

    // Every call of every non-input layer, resolved once its inputs exist (shared layers may be
    // called after layers listed later, so iterate until no call makes progress).
    interface PendingCall {
      layer: LayerJson;
      index: number;
      refs: TensorRef[];
    }
    let pending: PendingCall[] = [];
    for (const l of layers) {
      if (l.className === 'InputLayer') continue;
      const inbound = l.reader.get('inbound_nodes');
      const calls = inbound.isNull() ? [] : inbound.array();
      calls.forEach((c, index) => pending.push({ layer: l, index, refs: parseCall(c) }));
    }
    while (pending.length > 0) {
      const next: PendingCall[] = [];
      for (const call of pending) {
        const ins = call.refs.map((r) => values.get(refKey(r)));
        if (ins.some((v) => v === undefined)) {
          next.push(call);
          continue;
        }
        const outs = this.buildLayerCall(call.layer, ins as Value[], scope, call.index);
        outs.forEach((v, t) =>
          values.set(refKey({ layer: call.layer.name, node: call.index, tensor: t }), v),
        );
      }
      if (next.length === pending.length) {
        const stuck = next[0]!;
        const missing = stuck.refs.find((r) => !values.has(refKey(r)))!;
        throw kerasError(
          KERAS_ERROR_CODES.badTopology,
          `layer "${stuck.layer.name}" reads output ${missing.tensor} of call ${missing.node} of "${missing.layer}", which no layer produces (unknown layer or a cycle)`,
          { node: stuck.layer.name },
        );
      }
      pending = next;
    }
    return outputRefs.map((ref) => {
      const v = values.get(refKey(ref));
      if (v === undefined) {
        throw kerasError(
          KERAS_ERROR_CODES.badTopology,
          `model output "${ref.layer}" (call ${ref.node}, tensor ${ref.tensor}) is not produced by any layer`,
          {
            node: ref.layer,
          },
        );
      }
      return v;
    });
  }

  /** One call of a layer (or of a nested model) on `inputs`; returns its output values. */
  private buildLayerCall(
    l: LayerJson,
    inputs: Value[],
    scope: string[],
    callIndex: number,
  ): Value[] {
    if (MODEL_CLASSES.has(l.className)) {
      const innerScope = [...scope, callIndex === 0 ? l.name : `${l.name}_${callIndex}`];
      return this.buildModel(l.className, l.config, innerScope, inputs, l.name);
    }
    const reader = kerasLayerReader(l.className);
    if (reader === undefined) {
      throw kerasError(
        KERAS_ERROR_CODES.unknownLayer,
        `layer "${l.name}" has class "${l.className}", which format-keras cannot read (known: ${knownKerasLayerClasses().join(', ')}); ` +
          `to support it, register an op with defaultOpRegistry.register({ name, attrs, weights, infer, ... }) and a layer mapping with registerKerasLayer("${l.className}", (layer) => ({ op, attrs, weights }))`,
        { node: l.name, field: 'class_name' },
      );
    }
    const conv = reader({
      name: l.name,
      className: l.className,
      config: l.config,
      generation: this.options.generation,
    });
    const registry = this.options.registry;
    if (!registry.has(conv.op)) {
      throw kerasError(
        KERAS_ERROR_CODES.unknownLayer,
        `layer "${l.name}" maps to op "${conv.op}", which the op registry does not know; register it with OpRegistry.register`,
        {
          node: l.name,
        },
      );
    }
    const def = registry.get(conv.op, l.name);
    if (inputs.length < def.minInputs || inputs.length > def.maxInputs) {
      throw kerasError(
        KERAS_ERROR_CODES.badTopology,
        `layer "${l.name}" (${l.className}) is called with ${inputs.length} input(s)`,
        { node: l.name },
      );
    }
    const name = this.nodeName(callIndex === 0 ? l.name : `${l.name}_${callIndex}`, scope);
    const node = this.graph.addNode({ name, op: conv.op, inputs, attrs: conv.attrs });
    const slots = registry.weightSlots(node);
    const attrs = registry.resolveAttrs(node);
    for (const v of inputs) {
      if (v.shape === undefined)
        throw kerasError(
          KERAS_ERROR_CODES.badTopology,
          `input "${v.name}" of layer "${l.name}" has no shape`,
          { node: name },
        );
    }
    const ctx = {
      node: name,
      attrs,
      inputShapes: inputs.map((v) => v.shape!),
      inputDtypes: inputs.map((v) => v.dtype),
    };
    for (const slot of slots) {
      const kerasName = conv.weights[slot.name];
      if (kerasName === undefined) {
        throw kerasError(
          KERAS_ERROR_CODES.manifestMismatch,
          `the ${l.className} reader gives no Keras weight for slot "${slot.name}"`,
          {
            node: name,
            field: slot.name,
          },
        );
      }
      const expected = slot.shape(ctx);
      node.weights[slot.name] = {
        tensor: this.weightFor(l, scope, kerasName, expected, slot, name),
        annotations: {},
      };
    }
    inferNode(node, registry).forEach((info, i) => {
      node.outputs[i]!.shape = info.shape;
      node.outputs[i]!.dtype = info.dtype;
    });
    const split = conv.splitActivation;
    if (split === undefined) return node.outputs;
    // An activation the IR cannot fuse with these parameters becomes its own node.
    const act = this.graph.addNode({
      name: this.nodeName(`${name}_activation`, scope),
      op: 'Activation',
      inputs: [node.output],
      attrs: {
        activation: split.kind,
        ...(split.alpha !== undefined ? { alpha: split.alpha } : {}),
        ...(split.beta !== undefined ? { beta: split.beta } : {}),
      },
    });
    act.output.shape = [...node.output.shape!];
    return act.outputs;
  }

  private weightFor(
    l: LayerJson,
    scope: string[],
    kerasNames: string | readonly string[],
    expected: number[],
    slot: WeightSlot,
    node: string,
  ): Tensor {
    const weights = this.options.weights;
    if (weights === undefined) return this.initialWeight(slot, expected, node);
    const names = typeof kerasNames === 'string' ? [kerasNames] : kerasNames;
    const kerasName = names[0]!;
    const candidates: string[] = [];
    for (const n of names)
      for (let i = 0; i <= scope.length; i++)
        candidates.push([...scope.slice(i), l.name, n].join('/'));
    let found = candidates.find((c) => weights.has(c));
    for (const n of names) {
      if (found !== undefined) break;
      const suffix = `/${l.name}/${n}`;
      const matches = [...weights.keys()].filter((k) => k.endsWith(suffix));
      if (matches.length === 1) found = matches[0];
      else if (matches.length > 1) {
        throw kerasError(
          KERAS_ERROR_CODES.manifestMismatch,
          `weight "${l.name}/${kerasName}" is ambiguous in the manifest: ${matches.join(', ')}`,
          {
            node,
            field: kerasName,
          },
        );
      }
    }
    if (found === undefined) {
      throw kerasError(
        KERAS_ERROR_CODES.manifestMismatch,
        `layer "${l.name}" (${l.className}) needs weight "${l.name}/${kerasName}" of shape [${expected.join(', ')}], which the weights manifest does not list`,
        { node, field: kerasName },
      );
    }
    const t = weights.get(found)!;
    if (t.shape.length !== expected.length || t.shape.some((d, i) => d !== expected[i])) {
      throw kerasError(
        KERAS_ERROR_CODES.manifestMismatch,
        `weight "${found}" has shape [${t.shape.join(', ')}] in the manifest, layer "${l.name}" (${l.className}) needs [${expected.join(', ')}]`,
        { node, field: kerasName },
      );
    }
    if (t.dtype !== 'float32') {
      throw kerasError(
        KERAS_ERROR_CODES.manifestMismatch,
        `weight "${found}" is ${t.dtype}; layer "${l.name}" needs float32 weights`,
        {
          node,
          field: kerasName,
        },
      );
    }
    // Later calls of a shared layer get their own copy: IR nodes never alias weights.
    const first = !this.usedWeights.has(found);
    this.usedWeights.add(found);
    return first ? t : cloneTensor(t);
  }

  /** Keras-style initial values for topology-only files (what `model_from_json` does). */
  private initialWeight(slot: WeightSlot, shape: number[], node: string): Tensor {
    const n = sizeOf(shape);
    const budget = this.options.initialWeightBudgetBytes ?? DEFAULT_INITIAL_WEIGHT_BUDGET_BYTES;
    if (this.initialisedBytes + n * 4 > budget) {
      throw new BudgetExceededError(
        `initialising weight "${slot.name}" of shape [${shape.join(', ')}] (${n * 4} bytes) would take the initial weights of this topology-only file to ${this.initialisedBytes + n * 4} bytes, over the budget of ${budget}; raise the read option initialWeightBudgetBytes if the model is really this large`,
        { node, field: slot.name },
        'KERAS_WEIGHT_BUDGET_EXCEEDED',
      );
    }
    this.initialisedBytes += n * 4;
    switch (slot.role) {
      case 'kernel':
        return tensor('float32', shape, glorotUniform(shape, this.rng));
      case 'scale':
        return tensor('float32', shape, new Float32Array(n).fill(1));
      case 'statistic':
        return tensor('float32', shape, new Float32Array(n).fill(/var/i.test(slot.name) ? 1 : 0));
      default:
        return tensor('float32', shape, new Float32Array(n));
    }
  }

  /** Layers that feed no output (Keras keeps them; the IR forbids dead nodes). */
  private removeDeadNodes(): void {
    let changed = true;
    while (changed) {
      changed = false;
      for (const node of [...this.graph.nodes].reverse()) {
        if (node.op === 'Input') continue;
        const used = node.outputs.some(
          (v) => this.graph.outputs.includes(v) || this.graph.consumers(v).length > 0,
        );
        if (!used) {
          this.graph.removeNode(node);
          changed = true;
        }
      }
    }
  }
}
