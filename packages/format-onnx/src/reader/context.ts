/** What every op importer shares: the tensor table (ONNX name → IR value or constant) and node emission. */
import {
  type Attributes,
  CollaboptError,
  type ErrorLocation,
  FormatError,
  Graph,
  type OpRegistry,
  type Tensor,
  UnsupportedError,
  type Value,
  type Weight,
  type QuantAnnotation,
  inferNode,
} from '@collabopt/core';
import { type Const, type FoldBudget } from './fold';
import { NodeReader } from './node-reader';

/** Where ONNX's view of a value differs from the IR's. */
export interface Sym {
  kind: 'value';
  v: Value;
  /** 'nchw': rank-4 value ONNX sees as NCHW while the IR holds NHWC. */
  layout: 'nchw' | 'plain';
  /** Flattened NCHW feature map stored in NHWC order: ONNX feature j is IR feature flatPerm[j]. */
  flatPerm?: Int32Array;
  /** Set on a QuantizeLinear output: the integer tensor of `v` (only DequantizeLinear may read it). */
  quantized?: QuantAnnotation;
}

export type Entry = Sym | { kind: 'const'; c: Const };

export const FLT_MAX = 3.4028234663852886e38;

/** Largest per-sample activation accepted (guards corrupt files against absurd shapes). */
export const MAX_SAMPLE_ELEMENTS = 2 ** 28;

export interface ImportContext {
  graph: Graph;
  registry: OpRegistry;
  table: Map<string, Entry>;
  opset: number;
  uses: Map<string, number>;
  graphOutputs: Set<string>;
  loc: (extra?: ErrorLocation) => ErrorLocation;
  fuse: boolean;
  /** Memory constant folding may still take while this model is read. */
  foldBudget: FoldBudget;
  /** Quantization of constants that came out of DequantizeLinear (QDQ models), by constant. */
  constQuant: WeakMap<Const, ConstQuant>;
  /** What the QDQ import found (recorded in the graph metadata). */
  qdq: QdqFindings;
}

export interface QdqFindings {
  /** Dequantized constants (weights, biases). */
  weights: number;
  /** Values annotated from a QuantizeLinear → DequantizeLinear pair. */
  activations: number;
  /** Quantized weights whose scales run along an axis the IR cannot annotate (kept as float). */
  droppedWeights: number;
  /** Conv/Dense nodes that got back the ReLU a quantizer folded into a clamp at zero. */
  clampsAsRelu: string[];
  /** Values quantized twice with different parameters (the first is kept). */
  conflicts: string[];
  /** Values without quantization in a partly quantized model. */
  unannotated?: string[];
}

/** Quantization parameters of a dequantized constant, in ONNX terms. */
export interface ConstQuant {
  readonly dtype: 'int8' | 'uint8' | 'int32';
  /** Bits of the codes: 4 for INT4/UINT4 weights, 8, or 32 (int32 biases). */
  readonly bits: 4 | 8 | 32;
  readonly scale: Float32Array;
  readonly zeroPoint: Int32Array;
  /** ONNX axis of per-axis scales (undefined: per tensor). */
  readonly axis?: number;
  /** Signed codes never take the lowest value (int8 in [−127, 127], int4 in [−7, 7]). */
  readonly narrow: boolean;
}

export function entry(ctx: ImportContext, r: NodeReader, index: number): Entry | undefined {
  const name = (r.node.input ?? [])[index];
  if (name === undefined || name === '') return undefined;
  const e = ctx.table.get(name);
  if (e === undefined)
    throw new FormatError(
      `${r.node.opType} reads "${name}", which no earlier node produces`,
      r.where,
      'ONNX_INVALID_MODEL',
    );
  return e;
}

export function valueIn(ctx: ImportContext, r: NodeReader, index: number): Sym {
  const e = entry(ctx, r, index);
  if (e === undefined) r.fail(`input ${index} is missing`, 'ONNX_INVALID_MODEL');
  if (e.kind !== 'value')
    r.fail(`input ${index} is a constant where a computed tensor is expected`);
  if (e.quantized)
    r.fail(
      'reads the integer output of a QuantizeLinear; only DequantizeLinear may read it (QDQ models)',
    );
  if (e.flatPerm && !['Gemm', 'MatMul'].includes(r.node.opType ?? '')) {
    r.fail(
      'reads a flattened NCHW feature map; only Gemm/MatMul (Dense) may follow a Flatten of a multi-pixel feature map (their kernel rows are re-ordered)',
    );
  }
  return e;
}

export function constIn(ctx: ImportContext, r: NodeReader, index: number, what: string): Const {
  const e = entry(ctx, r, index);
  if (e === undefined) r.fail(`${what} (input ${index}) is missing`, 'ONNX_INVALID_MODEL');
  if (e.kind !== 'const')
    r.fail(
      `${what} (input ${index}) must be a constant (initializer or foldable subgraph)`,
      'ONNX_DYNAMIC_SHAPE',
    );
  return e.c;
}

export function optConstIn(
  ctx: ImportContext,
  r: NodeReader,
  index: number,
  what: string,
): Const | undefined {
  return entry(ctx, r, index) === undefined ? undefined : constIn(ctx, r, index, what);
}

export function outName(r: NodeReader, index = 0): string {
  const o = (r.node.output ?? [])[index];
  if (o === undefined || o === '') r.fail(`output ${index} is missing`, 'ONNX_INVALID_MODEL');
  return o;
}

/** Add an IR node for ONNX node `r`, infer its output shape, and bind its output. */
export function emit(
  ctx: ImportContext,
  r: NodeReader,
  op: string,
  inputs: Value[],
  attrs: Attributes,
  weights: Record<string, Tensor | Weight>,
  layout: 'nchw' | 'plain',
  suffix = '',
): Value {
  const out = outName(r);
  const base = (r.node.name || out) + suffix;
  const name = ctx.graph.uniqueName(base);
  const valueName = suffix
    ? name
    : ctx.graph.findValue(out) || ctx.graph.findNode(out)
      ? name
      : out;
  const node = ctx.graph.addNode({
    name,
    op,
    inputs,
    attrs,
    weights,
    outputs: [{ name: valueName }],
  });
  // Per-channel weight quantization (QDQ models) runs along the slot's channel axes.
  for (const [slot, w] of Object.entries(node.weights)) {
    const q = w.annotations.quant;
    if (q && q.scale.length > 1 && q.channelAxes === undefined) {
      const axes = ctx.registry.slot(node, slot)?.capabilities.channelAxes;
      if (axes) w.annotations.quant = { ...q, channelAxes: [...axes] };
    }
  }
  try {
    inferNode(node, ctx.registry).forEach((info, i) => {
      node.outputs[i]!.shape = info.shape;
      node.outputs[i]!.dtype = info.dtype;
    });
  } catch (e) {
    ctx.graph.removeNode(node);
    if (e instanceof CollaboptError)
      throw new UnsupportedError(
        `${r.node.opType} node maps to ${op} but ${e.message}`,
        r.where,
        'ONNX_BAD_SHAPE',
      );
    throw e;
  }
  if (!suffix) ctx.table.set(out, { kind: 'value', v: node.output, layout });
  return node.output;
}

export function alias(ctx: ImportContext, r: NodeReader, e: Entry): void {
  ctx.table.set(outName(r), e);
}

export function spatial(ctx: ImportContext, r: NodeReader, x: Sym): [number, number] {
  if (x.layout !== 'nchw' || x.v.shape?.length !== 4) r.fail('expects a rank-4 NCHW input');
  void ctx;
  return [x.v.shape[1]!, x.v.shape[2]!];
}

export function onnxShapeOf(x: Sym): number[] {
  const s = x.v.shape!;
  return x.layout === 'nchw' ? [s[0]!, s[3]!, s[1]!, s[2]!] : [...s];
}
