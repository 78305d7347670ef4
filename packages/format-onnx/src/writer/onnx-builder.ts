import { type Tensor } from '@collabopt/core';
import { toTensorProto } from '../proto/tensor-proto';
import { ATTR_TYPE, type AttributeProto, type NodeProto, type TensorProto } from '../proto/types';

export type AttrInput =
  number | string | readonly number[] | { float: number } | { floats: readonly number[] };

/** Attribute of a node: integers and integer lists by default; `{ float }`/`{ floats }` for floats. */
export function attribute(name: string, v: AttrInput): AttributeProto {
  if (typeof v === 'string')
    return { name, type: ATTR_TYPE.STRING, s: new TextEncoder().encode(v) };
  if (typeof v === 'number') return { name, type: ATTR_TYPE.INT, i: v };
  if ('float' in v) return { name, type: ATTR_TYPE.FLOAT, f: v.float };
  if ('floats' in v) return { name, type: ATTR_TYPE.FLOATS, floats: [...v.floats] };
  return { name, type: ATTR_TYPE.INTS, ints: [...(v as readonly number[])] };
}

/** Collects ONNX nodes and initializers with unique names. */
export class OnnxGraphBuilder {
  readonly nodes: NodeProto[] = [];
  readonly initializers: TensorProto[] = [];
  private readonly used = new Set<string>();
  private readonly usedNodes = new Set<string>();

  /** Reserve a name (IR names are kept; collisions get a numeric suffix). */
  name(base: string): string {
    let n = base;
    for (let i = 1; this.used.has(n); i++) n = `${base}_${i}`;
    this.used.add(n);
    return n;
  }

  reserve(name: string): void {
    this.used.add(name);
  }

  initializer(base: string, t: Tensor): string {
    const name = this.name(base);
    this.initializers.push(toTensorProto(name, t));
    return name;
  }

  /** An initializer given as a ready TensorProto (packed types core tensors cannot hold). */
  protoInitializer(base: string, proto: (name: string) => TensorProto): string {
    const name = this.name(base);
    this.initializers.push(proto(name));
    return name;
  }

  /** Add a node; returns its first output name. */
  node(
    opType: string,
    name: string,
    inputs: readonly string[],
    outputs: readonly string[],
    attrs: Record<string, AttrInput | undefined> = {},
  ): string {
    const attribute_: AttributeProto[] = [];
    for (const [k, v] of Object.entries(attrs))
      if (v !== undefined) attribute_.push(attribute(k, v));
    let nodeName = name;
    for (let i = 1; this.usedNodes.has(nodeName); i++) nodeName = `${name}_${i}`;
    this.usedNodes.add(nodeName);
    this.nodes.push({
      name: nodeName,
      opType,
      input: [...inputs],
      output: [...outputs],
      attribute: attribute_,
    });
    return outputs[0]!;
  }
}
