/** What every op emitter shares: the ONNX graph builder, value names, and weight initializers. */
import {
  type Attributes,
  type Graph,
  type Node,
  type OpRegistry,
  type Tensor,
  UnsupportedError,
  type Value,
  samePadding,
} from '@collabopt/core';
import { NHWC_TO_NCHW, permuteShape } from '../layout';
import { OnnxGraphBuilder } from './onnx-builder';
import { QdqWriter } from './qdq';

export interface Emitter {
  readonly b: OnnxGraphBuilder;
  readonly opset: number;
  readonly registry: OpRegistry;
  readonly graph: Graph;
  readonly qdq: QdqWriter | undefined;
  /** ONNX tensor that holds value v (NCHW for rank-4 values). */
  name(v: Value): string;
  /** Name the ONNX node producing v must write to. */
  out(v: Value): string;
  /** For flattened NCHW feature maps feeding Dense: NCHW→NHWC row map. */
  flatPerm: Map<Value, Int32Array>;
}

export function rankOf(v: Value): number {
  return v.shape?.length ?? 0;
}

export function onnxShape(v: Value): number[] {
  const s = v.shape ?? [];
  return s.length === 4 ? permuteShape(s, NHWC_TO_NCHW) : [...s];
}

/** Explicit ONNX pads [top, left, bottom, right] for IR padding of a strided window. */
export function windowPads(
  input: Value,
  kernel: readonly number[],
  strides: readonly number[],
  dilations: readonly number[],
  padding: string,
): number[] {
  if (padding !== 'same') return [0, 0, 0, 0];
  const [, h, w] = input.shape!;
  const [pt, pb] = samePadding(h!, kernel[0]!, strides[0]!, dilations[0]!);
  const [pl, pr] = samePadding(w!, kernel[1]!, strides[1]!, dilations[1]!);
  return [pt, pl, pb, pr];
}

export function ints(attrs: Attributes, key: string): number[] {
  return [...(attrs[key] as readonly number[])];
}

export function int64(values: readonly number[]): Tensor {
  return {
    dtype: 'int64',
    shape: [values.length],
    data: BigInt64Array.from(values.map((v) => BigInt(v))),
  };
}

export function scalar(v: number): Tensor {
  return { dtype: 'float32', shape: [], data: new Float32Array([v]) };
}

/** A float initializer for a weight, laid out for ONNX by `layout`. */
export function weightInit(
  e: Emitter,
  node: Node,
  slot: string,
  layout?: (t: Tensor) => Tensor,
): string {
  const t = node.weight(slot).tensor;
  if (t.dtype !== 'float32') {
    throw new UnsupportedError(
      `weight ${slot} has dtype ${t.dtype}; the ONNX writer writes float32 weights (or QDQ int8)`,
      { node: node.name, field: slot },
      'ONNX_UNSUPPORTED_DTYPE',
    );
  }
  return e.b.initializer(`${node.name}_${slot}`, layout ? layout(t) : t);
}

/**
 * The ONNX input for a weight: an int8 initializer + DequantizeLinear when the graph is written as
 * QDQ and the weight carries an int8 annotation, else a float initializer. `onnxAxis` is the ONNX
 * channel axis of the laid-out weight (for per-channel scales).
 */
export function weightInput(
  e: Emitter,
  node: Node,
  slot: string,
  onnxAxis: number,
  layout?: (t: Tensor) => Tensor,
): string {
  return e.qdq?.weight(node, slot, layout, onnxAxis) ?? weightInit(e, node, slot, layout);
}

/** The ONNX input for a node's bias: int32 + DequantizeLinear after `kernelSlot` in QDQ graphs, else float. */
export function biasInput(e: Emitter, node: Node, input: Value, kernelSlot = 'kernel'): string {
  return e.qdq?.bias(node, input, kernelSlot) ?? weightInit(e, node, 'bias');
}
