import {
  FormatError,
  InvalidArgumentError,
  UnsupportedError,
  defaultOpRegistry,
  inferShapes,
  samePadding,
  throwIfCancelled,
  type Attributes,
  type Graph,
  type ModelFile,
  type Node,
  type OpRegistry,
  type Tensor,
  type Value,
} from '@collabopt/core';
import {
  NCHW_TO_NHWC,
  NHWC_TO_NCHW,
  convKernelToOihw,
  deconvKernelToOnnx,
  depthwiseKernelToOihw,
  nchwToNhwcFlatIndex,
  nhwcAxisToNchw,
  permuteRows,
  permuteShape,
} from '../layout';
import { encodeModel } from '../proto/codec';
import { ONNX_DTYPE, type ModelProto, type ValueInfoProto } from '../proto/types';
import { moveToExternalData } from './external-data';
import { OnnxGraphBuilder } from './onnx-builder';
import { QdqWriter } from './qdq';

/** Lowest and highest default-domain opset the writer emits (ONNX Runtime 1.30 loads up to 26). */
export const MIN_WRITE_OPSET = 13;
export const MAX_WRITE_OPSET = 26;

/** IR version that goes with each opset (the ONNX release that introduced the opset). */
export function irVersionForOpset(opset: number): number {
  if (opset <= 14) return 7;
  if (opset <= 18) return 8;
  if (opset <= 20) return 9;
  if (opset <= 22) return 10;
  if (opset === 23) return 11;
  if (opset === 24) return 12;
  return 13;
}

export interface WriteOnnxOptions {
  /** Default-domain opset, 13 (default) to 26. */
  opset?: number;
  /**
   * 'float' writes float weights and ignores quantization annotations; 'qdq' writes
   * QuantizeLinear/DequantizeLinear int8 from the annotations; 'auto' (default) picks 'qdq' when
   * `graph.metadata.quantization.mode` is int8 or int8-io.
   */
  mode?: 'auto' | 'float' | 'qdq';
  /** QDQ only: re-quantize 8-bit weights to 7 bits (ONNX Runtime u8s8 kernels without VNNI saturate with 8). */
  reduceRange?: boolean;
  /** Keep NHWC graph inputs/outputs (rank 4) and put Transpose nodes at the graph edges. Default false: NCHW I/O. */
  nhwcIo?: boolean;
  /** 'auto' (default): external data only when the weights exceed `externalDataThreshold`. */
  externalData?: 'auto' | 'always' | 'never';
  /** Bytes of initializer data above which 'auto' moves weights to external files (default 2 GiB − 64 MiB). */
  externalDataThreshold?: number;
  /** Main file name (external data files are named after it). Default 'model.onnx'. */
  fileName?: string;
  registry?: OpRegistry;
  producerName?: string;
  signal?: AbortSignal;
}

export interface OnnxWriteResult {
  /** The main .onnx file. */
  bytes: Uint8Array;
  /** Every file to write, main file first (external data files follow). */
  files: ModelFile[];
}

const DEFAULT_EXTERNAL_THRESHOLD = 2 ** 31 - 64 * 2 ** 20;

interface Emitter {
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

function rankOf(v: Value): number {
  return v.shape?.length ?? 0;
}

function onnxShape(v: Value): number[] {
  const s = v.shape ?? [];
  return s.length === 4 ? permuteShape(s, NHWC_TO_NCHW) : [...s];
}

function valueInfo(
  name: string,
  shape: readonly number[],
  elemType: number = ONNX_DTYPE.FLOAT,
): ValueInfoProto {
  return {
    name,
    type: {
      tensorType: {
        elemType,
        shape: {
          dim: shape.map((d, i) =>
            d < 0 ? { dimParam: i === 0 ? 'batch' : `d${i}` } : { dimValue: d },
          ),
        },
      },
    },
  };
}

/** Explicit ONNX pads [top, left, bottom, right] for IR padding of a strided window. */
function windowPads(
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

function ints(attrs: Attributes, key: string): number[] {
  return [...(attrs[key] as readonly number[])];
}

/** Emit the ONNX nodes of a (fused or standalone) activation from `input` to `output`. */
function emitActivation(
  e: Emitter,
  kind: string,
  alpha: number | null | undefined,
  beta: number | null | undefined,
  input: string,
  output: string,
  base: string,
  rank: number,
): void {
  const { b } = e;
  switch (kind) {
    case 'linear':
      b.node('Identity', base, [input], [output]);
      return;
    case 'relu':
      b.node('Relu', base, [input], [output]);
      return;
    case 'relu6': {
      const lo = b.initializer(`${base}_min`, {
        dtype: 'float32',
        shape: [],
        data: new Float32Array([0]),
      });
      const hi = b.initializer(`${base}_max`, {
        dtype: 'float32',
        shape: [],
        data: new Float32Array([6]),
      });
      b.node('Clip', base, [input, lo, hi], [output]);
      return;
    }
    case 'leaky_relu':
      b.node('LeakyRelu', base, [input], [output], { alpha: { float: alpha ?? 0.2 } });
      return;
    case 'elu':
      b.node('Elu', base, [input], [output], { alpha: { float: alpha ?? 1 } });
      return;
    case 'sigmoid':
      b.node('Sigmoid', base, [input], [output]);
      return;
    case 'tanh':
      b.node('Tanh', base, [input], [output]);
      return;
    case 'softplus':
      b.node('Softplus', base, [input], [output]);
      return;
    case 'hard_sigmoid':
      b.node('HardSigmoid', base, [input], [output], {
        alpha: { float: alpha ?? 1 / 6 },
        beta: { float: beta ?? 0.5 },
      });
      return;
    case 'hard_swish':
      if (e.opset >= 14) {
        b.node('HardSwish', base, [input], [output]);
      } else {
        const gate = b.name(`${base}_gate`);
        b.node('HardSigmoid', `${base}_gate`, [input], [gate], {
          alpha: { float: 1 / 6 },
          beta: { float: 0.5 },
        });
        b.node('Mul', base, [input, gate], [output]);
      }
      return;
    case 'swish': {
      const gate = b.name(`${base}_gate`);
      b.node('Sigmoid', `${base}_gate`, [input], [gate]);
      b.node('Mul', base, [input, gate], [output]);
      return;
    }
    case 'softmax':
      b.node('Softmax', base, [input], [output], { axis: rank === 4 ? 1 : rank - 1 });
      return;
    case 'gelu':
      if (e.opset >= 20) {
        b.node('Gelu', base, [input], [output]);
        return;
      }
      throw new UnsupportedError(
        `activation gelu needs ONNX opset ≥ 20 (writing opset ${e.opset})`,
        { node: base },
        'ONNX_UNSUPPORTED_OP',
      );
    default:
      throw new UnsupportedError(
        `activation "${kind}" has no ONNX mapping`,
        { node: base },
        'ONNX_UNSUPPORTED_OP',
      );
  }
}

/** Write the op output (into a temporary when a fused activation follows). */
function withFusedActivation(
  e: Emitter,
  node: Node,
  attrs: Attributes,
  write: (out: string) => void,
): void {
  const act = (attrs['activation'] as string | undefined) ?? 'linear';
  const out = e.out(node.output);
  if (act === 'linear') {
    write(out);
    return;
  }
  const pre = e.b.name(`${node.output.name}_preact`);
  write(pre);
  emitActivation(e, act, null, null, pre, out, `${node.name}_${act}`, rankOf(node.output));
}

function emitConv(e: Emitter, node: Node, attrs: Attributes): void {
  const x = node.inputs[0]!;
  const kernel = ints(attrs, 'kernelSize');
  const strides = ints(attrs, 'strides');
  const dilations = ints(attrs, 'dilations');
  const pads = windowPads(x, kernel, strides, dilations, attrs['padding'] as string);
  const depthwise = node.op === 'DepthwiseConv2D';
  const cin = x.shape![3]!;
  const w = depthwise
    ? (e.qdq?.weight(node, 'kernel', depthwiseKernelToOihw, 0) ??
      weightInit(e, node, 'kernel', depthwiseKernelToOihw))
    : (e.qdq?.weight(node, 'kernel', convKernelToOihw, 0) ??
      weightInit(e, node, 'kernel', convKernelToOihw));
  const inputs = [e.name(x), w];
  if (attrs['useBias'] === true)
    inputs.push(e.qdq?.bias(node, x, 'kernel') ?? weightInit(e, node, 'bias'));
  withFusedActivation(e, node, attrs, (out) =>
    e.b.node('Conv', node.name, inputs, [out], {
      kernel_shape: kernel,
      strides,
      dilations,
      pads,
      group: depthwise ? cin : 1,
    }),
  );
}

function emitSeparable(e: Emitter, node: Node, attrs: Attributes): void {
  const x = node.inputs[0]!;
  const kernel = ints(attrs, 'kernelSize');
  const strides = ints(attrs, 'strides');
  const dilations = ints(attrs, 'dilations');
  const pads = windowPads(x, kernel, strides, dilations, attrs['padding'] as string);
  const dw = weightInit(e, node, 'depthwiseKernel', depthwiseKernelToOihw);
  const pw = weightInit(e, node, 'pointwiseKernel', convKernelToOihw);
  const mid = e.b.name(`${node.name}_depthwise`);
  e.b.node('Conv', `${node.name}_depthwise`, [e.name(x), dw], [mid], {
    kernel_shape: kernel,
    strides,
    dilations,
    pads,
    group: x.shape![3]!,
  });
  const inputs = [mid, pw];
  if (attrs['useBias'] === true) inputs.push(weightInit(e, node, 'bias'));
  withFusedActivation(e, node, attrs, (out) =>
    e.b.node('Conv', node.name, inputs, [out], { kernel_shape: [1, 1] }),
  );
}

function emitConvTranspose(e: Emitter, node: Node, attrs: Attributes): void {
  const x = node.inputs[0]!;
  const kernel = ints(attrs, 'kernelSize');
  const strides = ints(attrs, 'strides');
  const dilations = ints(attrs, 'dilations');
  const pads: number[] = [0, 0, 0, 0];
  const outputPadding: number[] = [0, 0];
  for (let i = 0; i < 2; i++) {
    const keff = (kernel[i]! - 1) * dilations[i]! + 1;
    const s = strides[i]!;
    if (keff < s) outputPadding[i] = s - keff;
    else if (attrs['padding'] === 'same') {
      const total = keff - s;
      pads[i] = Math.floor(total / 2);
      pads[i + 2] = total - pads[i]!;
    }
  }
  const w =
    e.qdq?.weight(node, 'kernel', deconvKernelToOnnx, 1) ??
    weightInit(e, node, 'kernel', deconvKernelToOnnx);
  const inputs = [e.name(x), w];
  if (attrs['useBias'] === true)
    inputs.push(e.qdq?.bias(node, x, 'kernel') ?? weightInit(e, node, 'bias'));
  withFusedActivation(e, node, attrs, (out) =>
    e.b.node('ConvTranspose', node.name, inputs, [out], {
      kernel_shape: kernel,
      strides,
      dilations,
      pads,
      output_padding: outputPadding.some((p) => p > 0) ? outputPadding : undefined,
    }),
  );
}

function emitDense(e: Emitter, node: Node, attrs: Attributes): void {
  const x = node.inputs[0]!;
  const perm = e.flatPerm.get(x);
  const layoutFn = perm
    ? <T extends Tensor>(t: T): T => permuteRows(t, perm, false) as T
    : undefined;
  const w = e.qdq?.weight(node, 'kernel', layoutFn, 1) ?? weightInit(e, node, 'kernel', layoutFn);
  const bias =
    attrs['useBias'] === true
      ? (e.qdq?.bias(node, x, 'kernel') ?? weightInit(e, node, 'bias'))
      : undefined;
  withFusedActivation(e, node, attrs, (out) => {
    if (rankOf(x) === 2) {
      e.b.node('Gemm', node.name, bias === undefined ? [e.name(x), w] : [e.name(x), w, bias], [
        out,
      ]);
    } else if (bias === undefined) {
      e.b.node('MatMul', node.name, [e.name(x), w], [out]);
    } else {
      const mm = e.b.name(`${node.name}_matmul`);
      e.b.node('MatMul', `${node.name}_matmul`, [e.name(x), w], [mm]);
      e.b.node('Add', node.name, [mm, bias], [out]);
    }
  });
}

function emitPool(e: Emitter, node: Node, attrs: Attributes): void {
  const x = node.inputs[0]!;
  const kernel = ints(attrs, 'poolSize');
  const stridesAttr = attrs['strides'];
  const strides =
    stridesAttr === null || stridesAttr === undefined ? kernel : [...(stridesAttr as number[])];
  const pads = windowPads(x, kernel, strides, [1, 1], attrs['padding'] as string);
  e.b.node(
    node.op === 'MaxPool2D' ? 'MaxPool' : 'AveragePool',
    node.name,
    [e.name(x)],
    [e.out(node.output)],
    {
      kernel_shape: kernel,
      strides,
      pads,
    },
  );
}

function emitGlobalPool(e: Emitter, node: Node, attrs: Attributes): void {
  const op = node.op === 'GlobalAvgPool' ? 'GlobalAveragePool' : 'GlobalMaxPool';
  if (attrs['keepDims'] === true) {
    e.b.node(op, node.name, [e.name(node.inputs[0]!)], [e.out(node.output)]);
    return;
  }
  const pooled = e.b.name(`${node.name}_pooled`);
  e.b.node(op, node.name, [e.name(node.inputs[0]!)], [pooled]);
  e.b.node('Flatten', `${node.name}_flatten`, [pooled], [e.out(node.output)], { axis: 1 });
}

/** Name of the NHWC-ordered version of a rank-4 value (a Transpose), for ops that need IR element order. */
function nhwcView(e: Emitter, v: Value, base: string): string {
  const [, h, w, c] = v.shape!;
  if ((h === 1 && w === 1) || c === 1) return e.name(v);
  const t = e.b.name(`${base}_nhwc`);
  e.b.node('Transpose', `${base}_nhwc`, [e.name(v)], [t], { perm: [...NCHW_TO_NHWC] });
  // In QDQ graphs the Transpose gets its own Q/DQ pair (same parameters): ORT runs it in int8 and
  // its transpose optimizer (opset ≥ 21) otherwise inserts a mistyped QuantizeLinear here.
  if (e.qdq?.hasActivationQuant(v))
    return e.qdq.quantizeDequantize(v, t, e.b.name(`${base}_nhwc_dq`));
  return t;
}

function emitFlattenOrReshape(e: Emitter, node: Node, attrs: Attributes): void {
  const x = node.inputs[0]!;
  const y = node.output;
  const outRank = rankOf(y);
  let src = e.name(x);
  if (rankOf(x) === 4) {
    const [, h, w, c] = x.shape!;
    const spatialTrivial = (h === 1 && w === 1) || c === 1;
    const consumers = e.graph.consumers(y);
    const denseOnly =
      outRank === 2 &&
      consumers.length > 0 &&
      consumers.every((n) => n.op === 'Dense') &&
      !e.graph.outputs.includes(y);
    if (!spatialTrivial && denseOnly) {
      // Keep ONNX's NCHW flatten order; the Dense kernels that read it get their rows permuted.
      e.flatPerm.set(y, nchwToNhwcFlatIndex(h!, w!, c!));
    } else {
      src = nhwcView(e, x, node.name);
    }
  }
  if (outRank === 4) {
    const [, h, w, c] = y.shape!;
    const nhwcShape = [-1, h!, w!, c!];
    if ((h === 1 && w === 1) || c === 1) {
      const shape = e.b.initializer(`${node.name}_shape`, int64([-1, ...onnxShape(y).slice(1)]));
      e.b.node('Reshape', node.name, [src, shape], [e.out(y)]);
    } else {
      const shape = e.b.initializer(`${node.name}_shape`, int64(nhwcShape));
      const r = e.b.name(`${node.name}_nhwc`);
      e.b.node('Reshape', node.name, [src, shape], [r]);
      e.b.node('Transpose', `${node.name}_nchw`, [r], [e.out(y)], { perm: [...NHWC_TO_NCHW] });
    }
    return;
  }
  if (node.op === 'Flatten') {
    e.b.node('Flatten', node.name, [src], [e.out(y)], { axis: 1 });
    return;
  }
  void attrs;
  const shape = e.b.initializer(`${node.name}_shape`, int64([-1, ...y.shape!.slice(1)]));
  e.b.node('Reshape', node.name, [src, shape], [e.out(y)]);
}

function int64(values: readonly number[]): Tensor {
  return {
    dtype: 'int64',
    shape: [values.length],
    data: BigInt64Array.from(values.map((v) => BigInt(v))),
  };
}

function scalar(v: number): Tensor {
  return { dtype: 'float32', shape: [], data: new Float32Array([v]) };
}

function emitBinary(e: Emitter, node: Node, attrs: Attributes): void {
  const ranks = new Set(node.inputs.map(rankOf));
  if (ranks.size > 1 && ranks.has(4)) {
    throw new UnsupportedError(
      `${node.op} mixes rank-4 (NHWC) and lower-rank inputs; ONNX's NCHW broadcasting would differ`,
      { node: node.name },
      'ONNX_UNSUPPORTED_OP',
    );
  }
  const op = node.op;
  withFusedActivation(e, node, attrs, (out) => {
    let acc = e.name(node.inputs[0]!);
    for (let i = 1; i < node.inputs.length; i++) {
      const last = i === node.inputs.length - 1;
      const target = last ? out : e.b.name(`${node.name}_partial${i}`);
      e.b.node(
        op,
        last ? node.name : `${node.name}_partial${i}`,
        [acc, e.name(node.inputs[i]!)],
        [target],
      );
      acc = target;
    }
    if (node.inputs.length === 1) e.b.node('Identity', node.name, [acc], [out]);
  });
}

function emitBatchNorm(e: Emitter, node: Node, attrs: Attributes): void {
  const x = node.inputs[0]!;
  const rank = rankOf(x);
  const axis =
    (attrs['axis'] as number) < 0 ? (attrs['axis'] as number) + rank : (attrs['axis'] as number);
  if (axis !== rank - 1 || (rank !== 2 && rank !== 4)) {
    throw new UnsupportedError(
      `BatchNorm over axis ${attrs['axis']} of a rank-${rank} value has no ONNX BatchNormalization mapping`,
      { node: node.name },
      'ONNX_UNSUPPORTED_OP',
    );
  }
  if (e.qdq) {
    throw new UnsupportedError(
      'a quantized graph still has an unfolded BatchNorm; run the foldBatchNorm pass before quantizing',
      { node: node.name },
      'ONNX_UNFOLDED_BATCHNORM',
    );
  }
  const c = x.shape![rank - 1]!;
  const ones = { dtype: 'float32' as const, shape: [c], data: new Float32Array(c).fill(1) };
  const zeros = { dtype: 'float32' as const, shape: [c], data: new Float32Array(c) };
  const gamma = node.weights['gamma']
    ? weightInit(e, node, 'gamma')
    : e.b.initializer(`${node.name}_gamma`, ones);
  const beta = node.weights['beta']
    ? weightInit(e, node, 'beta')
    : e.b.initializer(`${node.name}_beta`, zeros);
  e.b.node(
    'BatchNormalization',
    node.name,
    [
      e.name(x),
      gamma,
      beta,
      weightInit(e, node, 'movingMean'),
      weightInit(e, node, 'movingVariance'),
    ],
    [e.out(node.output)],
    {
      epsilon: { float: attrs['epsilon'] as number },
    },
  );
}

function emitPad(e: Emitter, node: Node, attrs: Attributes): void {
  const [[top, bottom], [left, right]] = attrs['padding'] as [[number, number], [number, number]];
  const pads = e.b.initializer(`${node.name}_pads`, int64([0, 0, top, left, 0, 0, bottom, right]));
  const value = e.b.initializer(`${node.name}_value`, scalar(attrs['constantValue'] as number));
  e.b.node('Pad', node.name, [e.name(node.inputs[0]!), pads, value], [e.out(node.output)], {
    mode: 'constant',
  });
}

function emitUpsample(e: Emitter, node: Node, attrs: Attributes): void {
  const [a, b] = ints(attrs, 'size');
  const scales = e.b.initializer(`${node.name}_scales`, {
    dtype: 'float32',
    shape: [4],
    data: new Float32Array([1, 1, a!, b!]),
  });
  const nearest = attrs['interpolation'] === 'nearest';
  e.b.node('Resize', node.name, [e.name(node.inputs[0]!), '', scales], [e.out(node.output)], {
    mode: nearest ? 'nearest' : 'linear',
    coordinate_transformation_mode: nearest ? 'asymmetric' : 'half_pixel',
    nearest_mode: nearest ? 'floor' : undefined,
  });
}

function emitMean(e: Emitter, node: Node, attrs: Attributes): void {
  const x = node.inputs[0]!;
  const rank = rankOf(x);
  const axes = ints(attrs, 'axes').map((a) => (a < 0 ? a + rank : a));
  const keep = attrs['keepDims'] === true;
  if (rank === 4 && !keep && !(axes.length === 2 && axes.includes(1) && axes.includes(2))) {
    throw new UnsupportedError(
      'Mean over these axes of an NHWC value without keepDims has no layout-preserving ONNX form',
      { node: node.name },
      'ONNX_UNSUPPORTED_OP',
    );
  }
  const onnxAxes = axes.map((a) => nhwcAxisToNchw(a, rank)).sort((p, q) => p - q);
  if (e.opset >= 18) {
    const ax = e.b.initializer(`${node.name}_axes`, int64(onnxAxes));
    e.b.node('ReduceMean', node.name, [e.name(x), ax], [e.out(node.output)], {
      keepdims: keep ? 1 : 0,
    });
  } else {
    e.b.node('ReduceMean', node.name, [e.name(x)], [e.out(node.output)], {
      axes: onnxAxes,
      keepdims: keep ? 1 : 0,
    });
  }
}

/** A float initializer for a weight, laid out for ONNX by `layout`. */
function weightInit(e: Emitter, node: Node, slot: string, layout?: (t: Tensor) => Tensor): string {
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

function emitNode(e: Emitter, node: Node): void {
  const attrs = e.registry.resolveAttrs(node);
  switch (node.op) {
    case 'Conv2D':
    case 'DepthwiseConv2D':
      return emitConv(e, node, attrs);
    case 'SeparableConv2D':
      return emitSeparable(e, node, attrs);
    case 'Conv2DTranspose':
      return emitConvTranspose(e, node, attrs);
    case 'Dense':
      return emitDense(e, node, attrs);
    case 'BatchNorm':
      return emitBatchNorm(e, node, attrs);
    case 'Activation':
      return emitActivation(
        e,
        attrs['activation'] as string,
        attrs['alpha'] as number | null,
        attrs['beta'] as number | null,
        e.name(node.inputs[0]!),
        e.out(node.output),
        node.name,
        rankOf(node.output),
      );
    case 'Softmax':
      e.b.node('Softmax', node.name, [e.name(node.inputs[0]!)], [e.out(node.output)], {
        axis: nhwcAxisToNchw(attrs['axis'] as number, rankOf(node.output)),
      });
      return;
    case 'MaxPool2D':
    case 'AvgPool2D':
      return emitPool(e, node, attrs);
    case 'GlobalAvgPool':
    case 'GlobalMaxPool':
      return emitGlobalPool(e, node, attrs);
    case 'Add':
    case 'Sub':
    case 'Mul':
      return emitBinary(e, node, attrs);
    case 'Concat':
      e.b.node(
        'Concat',
        node.name,
        node.inputs.map((v) => e.name(v)),
        [e.out(node.output)],
        { axis: nhwcAxisToNchw(attrs['axis'] as number, rankOf(node.output)) },
      );
      return;
    case 'Reshape':
    case 'Flatten':
      return emitFlattenOrReshape(e, node, attrs);
    case 'Pad':
      return emitPad(e, node, attrs);
    case 'Dropout':
      e.b.node('Identity', node.name, [e.name(node.inputs[0]!)], [e.out(node.output)]);
      return;
    case 'Upsample2D':
      return emitUpsample(e, node, attrs);
    case 'Mean':
      return emitMean(e, node, attrs);
    default:
      throw new UnsupportedError(
        `op ${node.op} has no ONNX mapping`,
        { node: node.name },
        'ONNX_UNSUPPORTED_OP',
      );
  }
}

function quantizationMode(graph: Graph): string | undefined {
  const q = graph.metadata['quantization'] as { mode?: string } | undefined;
  return q?.mode;
}

/** Write an IR graph as an ONNX model (NCHW, opset 13+), float or QDQ int8. Never modifies `graph`. */
export function writeOnnx(source: Graph, options: WriteOnnxOptions = {}): OnnxWriteResult {
  const opset = options.opset ?? MIN_WRITE_OPSET;
  if (!Number.isInteger(opset) || opset < MIN_WRITE_OPSET || opset > MAX_WRITE_OPSET) {
    throw new InvalidArgumentError(
      `opset must be an integer from ${MIN_WRITE_OPSET} to ${MAX_WRITE_OPSET}, got ${opset}`,
    );
  }
  const registry = options.registry ?? defaultOpRegistry;
  const qmode = quantizationMode(source);
  const mode = options.mode ?? 'auto';
  const qdqWanted =
    mode === 'qdq' || (mode === 'auto' && (qmode === 'int8' || qmode === 'int8-io'));
  if (mode === 'qdq' && qmode !== undefined && qmode !== 'int8' && qmode !== 'int8-io') {
    throw new UnsupportedError(
      `QDQ export supports quantization mode int8, the graph has "${qmode}"`,
      {},
      'ONNX_UNSUPPORTED_QUANTIZATION',
    );
  }
  const graph = source.clone();
  inferShapes(graph, { registry });
  const b = new OnnxGraphBuilder();
  const names = new Map<Value, string>();
  const outputs = new Set(graph.outputs);
  const nhwcIo = options.nhwcIo === true;
  const pendingOut = new Map<Value, string>();
  const qdq = qdqWanted ? new QdqWriter(b, options.reduceRange === true) : undefined;
  for (const v of graph.outputs) b.reserve(v.name);
  for (const v of graph.inputs) b.reserve(v.name);

  const e: Emitter = {
    b,
    opset,
    registry,
    graph,
    qdq,
    flatPerm: new Map(),
    name(v) {
      const n = names.get(v);
      if (n === undefined)
        throw new FormatError(
          `value "${v.name}" is read before it is written`,
          { field: v.name },
          'ONNX_WRITE_ORDER',
        );
      return n;
    },
    out(v) {
      let n = pendingOut.get(v);
      if (n === undefined) {
        const quantized = qdq?.hasActivationQuant(v) === true;
        const transposed = nhwcIo && outputs.has(v) && rankOf(v) === 4;
        n =
          quantized || transposed
            ? b.name(`${v.name}_${quantized ? 'float' : 'nchw'}`)
            : outputs.has(v)
              ? v.name
              : b.name(v.name);
        pendingOut.set(v, n);
      }
      return n;
    },
  };

  const written = new Set<Value>();
  const finish = (v: Value): void => {
    let n = pendingOut.get(v);
    if (n === undefined)
      throw new FormatError(
        `no ONNX node wrote value "${v.name}"`,
        { field: v.name },
        'ONNX_WRITE_ORDER',
      );
    const transposed = nhwcIo && outputs.has(v) && rankOf(v) === 4;
    if (qdq?.hasActivationQuant(v))
      n = qdq.quantizeDequantize(
        v,
        n,
        outputs.has(v) && !transposed ? v.name : b.name(`${v.name}_dq`),
      );
    if (transposed) {
      // The graph output is the NHWC copy; readers inside the graph keep the NCHW tensor.
      b.node('Transpose', `${v.name}_to_nhwc`, [n], [v.name], { perm: [...NCHW_TO_NHWC] });
      written.add(v);
    }
    names.set(v, n);
  };

  const inputInfos: ValueInfoProto[] = [];
  for (const v of graph.inputs) {
    if (v.dtype !== 'float32')
      throw new UnsupportedError(
        `graph input "${v.name}" has dtype ${v.dtype}; only float32 inputs are written`,
        { field: v.name },
        'ONNX_UNSUPPORTED_DTYPE',
      );
    let n = v.name;
    if (nhwcIo && rankOf(v) === 4) {
      inputInfos.push(valueInfo(v.name, v.shape!));
      n = b.node('Transpose', `${v.name}_to_nchw`, [v.name], [b.name(`${v.name}_nchw`)], {
        perm: [...NHWC_TO_NCHW],
      });
    } else {
      inputInfos.push(valueInfo(v.name, onnxShape(v)));
    }
    if (qdq?.hasActivationQuant(v)) n = qdq.quantizeDequantize(v, n, b.name(`${v.name}_dq`));
    names.set(v, n);
  }

  for (const node of graph.topologicalOrder()) {
    if (options.signal) throwIfCancelled(options.signal);
    if (node.op === 'Input') continue;
    emitNode(e, node);
    for (const v of node.outputs) finish(v);
  }

  const outputInfos = graph.outputs.map((v) => {
    const n = names.get(v)!;
    // A graph input that is also an output is listed under its own name; others already carry it.
    if (n !== v.name && !written.has(v) && !graph.inputs.includes(v))
      b.node('Identity', `${v.name}_output`, [n], [v.name]);
    return valueInfo(v.name, nhwcIo ? v.shape! : onnxShape(v));
  });

  const model: ModelProto = {
    irVersion: irVersionForOpset(opset),
    opsetImport: [{ domain: '', version: opset }],
    producerName: options.producerName ?? 'collabopt',
    producerVersion: '0',
    graph: {
      name: graph.name,
      node: b.nodes,
      initializer: b.initializers,
      input: inputInfos,
      output: outputInfos,
    },
    metadataProps: [{ key: 'collabopt.layout', value: nhwcIo ? 'nhwc-io' : 'nchw' }],
  };
  const fileName = options.fileName ?? 'model.onnx';
  const policy = options.externalData ?? 'auto';
  const threshold = options.externalDataThreshold ?? DEFAULT_EXTERNAL_THRESHOLD;
  const total = b.initializers.reduce((s, t) => s + (t.rawData?.length ?? 0), 0);
  const files: ModelFile[] = [];
  if (policy === 'always' || (policy === 'auto' && total > threshold)) {
    files.push(...moveToExternalData(b.initializers, fileName));
  }
  const bytes = encodeModel(model);
  return { bytes, files: [{ path: fileName, bytes }, ...files] };
}
