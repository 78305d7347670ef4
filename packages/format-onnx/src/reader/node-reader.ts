/** Typed access to one ONNX node's attributes, and its error location. */
import { type ErrorLocation, UnsupportedError } from '@collabopt/core';
import { type AttributeProto, type NodeProto, toNumber } from '../proto/types';

export function attrMap(n: NodeProto): Map<string, AttributeProto> {
  const m = new Map<string, AttributeProto>();
  for (const a of n.attribute ?? []) if (a.name) m.set(a.name, a);
  return m;
}

export class NodeReader {
  readonly attrs: Map<string, AttributeProto>;
  constructor(
    readonly node: NodeProto,
    readonly where: ErrorLocation,
  ) {
    this.attrs = attrMap(node);
  }
  int(name: string, def: number): number {
    const a = this.attrs.get(name);
    return a === undefined ? def : toNumber(a.i);
  }
  float(name: string, def: number): number {
    const a = this.attrs.get(name);
    return a === undefined ? def : (a.f ?? 0);
  }
  ints(name: string): number[] | undefined {
    const a = this.attrs.get(name);
    return a === undefined ? undefined : (a.ints ?? []).map(toNumber);
  }
  floats(name: string): number[] | undefined {
    const a = this.attrs.get(name);
    return a === undefined ? undefined : [...(a.floats ?? [])];
  }
  string(name: string, def: string): string {
    const a = this.attrs.get(name);
    return a?.s === undefined ? def : new TextDecoder().decode(a.s);
  }
  fail(message: string, code = 'ONNX_UNSUPPORTED_OP'): never {
    throw new UnsupportedError(`${this.node.opType} node: ${message}`, this.where, code);
  }
}

export function sameInts(a: readonly number[] | undefined, b: readonly number[]): boolean {
  return a !== undefined && a.length === b.length && a.every((x, i) => x === b[i]);
}
