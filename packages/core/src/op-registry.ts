import { AttributeError, ShapeError, UnknownOpError } from './errors';
import type { AttrValue, Attributes, Node } from './graph';
import type { DType } from './tensor';

/** Attribute kinds an op can declare. */
export type AttrKind =
  'int' | 'float' | 'bool' | 'string' | 'ints' | 'floats' | 'intPairs' | 'enum' | 'any';

export interface AttrSpec {
  readonly kind: AttrKind;
  readonly default?: AttrValue;
  /** Allowed values for `enum`. */
  readonly values?: readonly string[];
  /** Required length for `ints`/`floats`. */
  readonly length?: number;
  readonly description?: string;
}

/** What optimization passes may do with a weight, and along which axes its output channels run. */
export interface WeightCapabilities {
  readonly prunable: boolean;
  readonly clusterable: boolean;
  readonly quantizable: boolean;
  /**
   * Axes of the weight (in the IR's Keras layout) that, flattened in order, index the output
   * channel: Conv2D kernel [3], Dense kernel [1], DepthwiseConv2D kernel [2, 3], bias [0].
   */
  readonly channelAxes: readonly number[];
  /** Integer quantization gives it one scale per output channel (along `channelAxes`); default per tensor. */
  readonly perChannelQuantization?: boolean;
  /** Per-channel clustering gives it one codebook per output channel; default one per tensor. */
  readonly perChannelClustering?: boolean;
}

/** How integer quantization treats an op's output activation. */
export interface OpQuantization {
  /**
   * Parameters the output must share (TFLite int8 spec): 'input' — the output takes its single
   * input's scale and zero point (pooling, reshape, pad, resize, ...); 'inputs' — every input and
   * the output share one (Concat). Default: the output has its own.
   */
  readonly sharedParams?: 'input' | 'inputs';
  /**
   * The output holds only values of its input (max, copy, nearest resize), so it is on the input's
   * grid already and QAT needs no fake-quant there. A function of the resolved attributes when it
   * depends on them. Default false.
   */
  readonly keepsInputGrid?: boolean | ((attrs: Readonly<Attributes>) => boolean);
}

export type WeightRole = 'kernel' | 'bias' | 'scale' | 'offset' | 'statistic' | 'other';

export interface ShapeContext {
  readonly node: string;
  readonly attrs: Readonly<Attributes>;
  readonly inputShapes: readonly (readonly number[])[];
  readonly inputDtypes: readonly DType[];
}

export interface WeightSlot {
  readonly name: string;
  readonly role: WeightRole;
  readonly capabilities: WeightCapabilities;
  /** Whether the slot exists for these attributes (e.g. bias only when useBias). Default: always. */
  readonly present?: (attrs: Readonly<Attributes>) => boolean;
  /** Expected shape given attributes and input shapes. */
  readonly shape: (ctx: ShapeContext) => number[];
}

export interface OutputInfo {
  shape: number[];
  dtype: DType;
}

/** A layer-level op kind: its attributes, weights and shape inference. */
export interface OpDef {
  readonly name: string;
  readonly description: string;
  readonly attrs: Readonly<Record<string, AttrSpec>>;
  readonly minInputs: number;
  /** `Infinity` for variadic ops (Add, Concat). */
  readonly maxInputs: number;
  readonly weights: readonly WeightSlot[];
  /** Output shapes (−1 = unknown batch) and dtypes. Throw ShapeError with the node name on mismatch. */
  readonly infer: (ctx: ShapeContext) => OutputInfo[];
  /** Integer-quantization behaviour of the output (default: own parameters, re-quantized). */
  readonly quantization?: OpQuantization;
  /**
   * Activations the op applies to its output itself (its `activation` attribute) that an importer
   * or writer may fuse into it from a separate activation node. Default none.
   */
  readonly fusableActivations?: readonly string[];
}

/** Capabilities for weights that optimization passes must leave alone. */
export const FIXED_WEIGHT: WeightCapabilities = {
  prunable: false,
  clusterable: false,
  quantizable: false,
  channelAxes: [0],
};

/**
 * Registry of op kinds. Formats, the engine and passes look ops up here; users add custom layers
 * with `register` (no fork, no wrapper classes).
 */
export class OpRegistry {
  private readonly defs = new Map<string, OpDef>();

  register(def: OpDef, options: { replace?: boolean } = {}): void {
    if (this.defs.has(def.name) && !options.replace) {
      throw new AttributeError(
        `op "${def.name}" is already registered; pass { replace: true } to override it`,
      );
    }
    this.defs.set(def.name, def);
  }

  has(op: string): boolean {
    return this.defs.has(op);
  }

  get(op: string, node?: string): OpDef {
    const def = this.defs.get(op);
    if (def === undefined) throw new UnknownOpError(op, node !== undefined ? { node } : {});
    return def;
  }

  names(): string[] {
    return [...this.defs.keys()];
  }

  /** The node's attributes with defaults filled in, each checked against its spec. */
  resolveAttrs(node: Pick<Node, 'name' | 'op' | 'attrs'>): Attributes {
    const def = this.get(node.op, node.name);
    const out: Attributes = {};
    for (const [key, spec] of Object.entries(def.attrs)) {
      const raw = node.attrs[key];
      const value = raw === undefined ? spec.default : raw;
      if (value === undefined) {
        throw new AttributeError(`missing required attribute "${key}" of ${node.op}`, {
          node: node.name,
          field: key,
        });
      }
      checkAttr(value, spec, node.name, key);
      out[key] = value;
    }
    for (const key of Object.keys(node.attrs)) {
      if (!(key in def.attrs)) {
        throw new AttributeError(
          `unknown attribute "${key}" for ${node.op}; known: ${Object.keys(def.attrs).join(', ') || 'none'}`,
          { node: node.name, field: key },
        );
      }
    }
    return out;
  }

  /** Weight slots present on this node (given its attributes). */
  weightSlots(node: Pick<Node, 'name' | 'op' | 'attrs'>): WeightSlot[] {
    const def = this.get(node.op, node.name);
    const attrs = this.resolveAttrs(node);
    return def.weights.filter((w) => w.present === undefined || w.present(attrs));
  }

  /** Slot description of one weight of a node, or undefined if the op does not declare it. */
  slot(node: Pick<Node, 'name' | 'op' | 'attrs'>, slot: string): WeightSlot | undefined {
    return this.get(node.op, node.name).weights.find((w) => w.name === slot);
  }

  /**
   * The slot the integer schemes quantize as the node's kernel (symmetric int8, its bias int32
   * with scale input × kernel scale): the op's only quantizable weight of role 'kernel'. Undefined
   * for ops without one, or with several kernels (SeparableConv2D must be split first).
   */
  quantizedKernel(node: Pick<Node, 'name' | 'op' | 'attrs'>): WeightSlot | undefined {
    const kernels = this.get(node.op, node.name).weights.filter(
      (w) => w.role === 'kernel' && w.capabilities.quantizable,
    );
    return kernels.length === 1 ? kernels[0] : undefined;
  }

  /** Whether `slot` of `op` is a kernel (role 'kernel'); unknown ops and slots are not. */
  isKernel(op: string, slot: string): boolean {
    return this.defs.get(op)?.weights.find((w) => w.name === slot)?.role === 'kernel';
  }

  /** Which quantization parameters the node's output shares (see OpQuantization.sharedParams). */
  sharedQuantParams(node: Pick<Node, 'name' | 'op'>): 'input' | 'inputs' | undefined {
    return this.get(node.op, node.name).quantization?.sharedParams;
  }

  /** Whether the node's output is on its input's quantization grid already. */
  keepsInputGrid(node: Pick<Node, 'name' | 'op' | 'attrs'>): boolean {
    const keeps = this.get(node.op, node.name).quantization?.keepsInputGrid ?? false;
    return typeof keeps === 'function' ? keeps(this.resolveAttrs(node)) : keeps;
  }

  /** Whether a separate `activation` after a node of `op` may be fused into it. */
  canFuseActivation(op: string, activation: string): boolean {
    return this.defs.get(op)?.fusableActivations?.includes(activation) ?? false;
  }
}

function checkAttr(value: AttrValue, spec: AttrSpec, node: string, key: string): void {
  const fail = (what: string): never => {
    throw new AttributeError(`attribute "${key}" must be ${what}, got ${JSON.stringify(value)}`, {
      node,
      field: key,
    });
  };
  const isNum = (x: unknown): x is number => typeof x === 'number' && Number.isFinite(x);
  switch (spec.kind) {
    case 'int':
      if (!isNum(value) || !Number.isInteger(value)) fail('an integer');
      break;
    case 'float':
      if (!isNum(value)) fail('a number');
      break;
    case 'bool':
      if (typeof value !== 'boolean') fail('true or false');
      break;
    case 'string':
      if (typeof value !== 'string') fail('a string');
      break;
    case 'enum':
      if (typeof value !== 'string' || !(spec.values ?? []).includes(value))
        fail(`one of ${(spec.values ?? []).join(', ')}`);
      break;
    case 'ints':
    case 'floats': {
      const intOnly = spec.kind === 'ints';
      if (
        !Array.isArray(value) ||
        !value.every((x) => isNum(x) && (!intOnly || Number.isInteger(x)))
      ) {
        fail(intOnly ? 'a list of integers' : 'a list of numbers');
      }
      if (spec.length !== undefined && (value as readonly number[]).length !== spec.length) {
        fail(`a list of ${spec.length} ${intOnly ? 'integers' : 'numbers'}`);
      }
      break;
    }
    case 'intPairs':
      if (
        !Array.isArray(value) ||
        !value.every(
          (p) =>
            Array.isArray(p) && p.length === 2 && p.every((x) => isNum(x) && Number.isInteger(x)),
        )
      ) {
        fail('a list of [before, after] integer pairs');
      }
      break;
    case 'any':
      break;
  }
}

/** Helpers to read resolved attributes with the right type. */
export function attrInt(attrs: Readonly<Attributes>, key: string): number {
  return attrs[key] as number;
}
export function attrFloat(attrs: Readonly<Attributes>, key: string): number {
  return attrs[key] as number;
}
export function attrBool(attrs: Readonly<Attributes>, key: string): boolean {
  return attrs[key] as boolean;
}
export function attrString(attrs: Readonly<Attributes>, key: string): string {
  return attrs[key] as string;
}
export function attrInts(attrs: Readonly<Attributes>, key: string): number[] {
  return [...(attrs[key] as readonly number[])];
}
export function attrPairs(attrs: Readonly<Attributes>, key: string): [number, number][] {
  return (attrs[key] as readonly (readonly number[])[]).map((p) => [p[0]!, p[1]!]);
}

/** Throw a ShapeError naming the node. */
export function shapeFail(ctx: ShapeContext, message: string): never {
  throw new ShapeError(message, { node: ctx.node });
}
