import {
  GraphError,
  float32ToFloat16Bits,
  sizeOf,
  tensor,
  tensorBytes,
  type Graph,
  type Node,
  type QuantAnnotation,
  type Tensor,
  type Value,
} from '@collabopt/core';
import { quantMissing, unsupportedFeature } from '../errors';
import { packInt4 } from '../int4-packing';
import { TFLITE_CHANNEL_AXIS, toTfliteLayout, type WeightLayout } from '../layout';
import {
  quantizeOnGrid,
  quantizeSymmetric,
  quantizeSymmetric64,
  sameQuant,
  toTfliteQuant,
} from '../quant-encoding';
import { BuiltinOptionsType } from '../schema/builtin-options';
import { BuiltinOperator as Op, TensorType, builtinOperatorName } from '../schema/enums';
import type { TflQuantization } from '../schema/model-types';
import { encodeSparse } from '../sparsity';
import { hasFloatIo, isFullInteger, type ExportMode } from './export-mode';
import { TfliteModelBuilder } from './model-builder';
import { operatorVersion, type KernelKind } from './op-versions';

export interface ExportSettings {
  readonly mode: ExportMode;
  /** Store pruned constant weights with SparsityParameters (+ DENSIFY) when that is smaller. */
  readonly sparse: boolean;
  /** float16 mode chosen explicitly: store every float weight as float16 even without annotations. */
  readonly allFloat16: boolean;
  /** Where fallbacks are reported (e.g. an int4 weight written as int8). */
  readonly warn: (message: string) => void;
  /**
   * Layers computed in float inside a full-integer file (`graph.metadata.quantization.floatLayers`):
   * DEQUANTIZE feeds them, QUANTIZE follows them where integer layers read their outputs.
   */
  readonly floatLayers: ReadonlySet<string>;
}

/**
 * Weight layouts whose ops TF 2.21's interpreter runs with INT4 filters and int8 activations
 * (CONV_2D, DEPTHWISE_CONV_2D, FULLY_CONNECTED; checked in e2e/format-tflite/int4.e2e.test.ts).
 */
const INT4_LAYOUTS: ReadonlySet<WeightLayout> = new Set(['conv', 'depthwise', 'dense']);

/**
 * A weight given by an op mapping instead of the node's slot (e.g. a kernel with a constant factor
 * folded in, and its quant annotation scaled to match).
 */
export interface WeightSource {
  readonly tensor: Tensor;
  readonly quant?: QuantAnnotation;
}

/**
 * Builtin operators whose TFLite kernels take int16 activations with int8 weights (16x8 mode, the
 * converter's EXPERIMENTAL_TFLITE_BUILTINS_ACTIVATIONS_INT16_WEIGHTS_INT8 op set). DENSIFY only
 * expands constant int8 weights.
 */
const INT16_ACTIVATION_OPS: ReadonlySet<number> = new Set([
  Op.CONV_2D,
  Op.DEPTHWISE_CONV_2D,
  Op.FULLY_CONNECTED,
  Op.TRANSPOSE_CONV,
  Op.ADD,
  Op.SUB,
  Op.MUL,
  Op.MAX_POOL_2D,
  Op.AVERAGE_POOL_2D,
  Op.MEAN,
  Op.RESHAPE,
  Op.CONCATENATION,
  Op.PAD,
  Op.PADV2,
  Op.SOFTMAX,
  Op.LOGISTIC,
  Op.TANH,
  Op.RELU,
  Op.RELU6,
  Op.LEAKY_RELU,
  Op.RESIZE_BILINEAR,
  Op.RESIZE_NEAREST_NEIGHBOR,
  Op.QUANTIZE,
  Op.DEQUANTIZE,
  Op.DENSIFY,
]);

/** A kernel input as written: tensor index, how the consuming op computes, and its int8 scales. */
export interface KernelInput {
  readonly index: number;
  readonly kind: KernelKind;
  readonly scales?: Float32Array;
  readonly perChannel: boolean;
}

/**
 * State of one IR → TFLite export: the model being built, the tensor of each IR value, and the
 * helpers every op mapping shares (output tensors with their quantization, constants, weights,
 * biases, requantization).
 */
export class ExportContext {
  readonly b = new TfliteModelBuilder();
  /** The IR node being exported (error locations). */
  currentNode: Node | undefined;
  private readonly valueTensors = new Map<Value, number>();
  /** DEQUANTIZE outputs of integer values read by float layers, made once per value. */
  private readonly floatViews = new Map<Value, number>();

  constructor(
    readonly graph: Graph,
    readonly settings: ExportSettings,
  ) {}

  get mode(): ExportMode {
    return this.settings.mode;
  }

  /** Whether the current node computes in integers (full-integer file, not a float layer). */
  get quantized(): boolean {
    return isFullInteger(this.settings.mode) && !this.inFloatLayer;
  }

  /** The current node is a float layer of a full-integer file. */
  get inFloatLayer(): boolean {
    return (
      isFullInteger(this.settings.mode) &&
      this.currentNode !== undefined &&
      this.settings.floatLayers.has(this.currentNode.name)
    );
  }

  /** 16x8: int16 activations (symmetric, zero point 0), int8 weights, int64 biases. */
  get int16Activations(): boolean {
    return this.settings.mode === 'int16x8';
  }

  /** Tensor type of activations in full-integer modes. */
  get activationType(): number {
    return this.int16Activations ? TensorType.INT16 : TensorType.INT8;
  }

  /** Kernel kind of activation ops (everything but weighted hybrid ops). */
  get activationKind(): KernelKind {
    return this.quantized ? 'int8' : 'float';
  }

  /**
   * The tensor the current node reads for `value`: a float layer reading an integer value gets
   * its DEQUANTIZE (one per value); an integer layer must never read a float tensor.
   */
  tensorOf(value: Value): number {
    const t = this.boundTensor(value);
    if (!isFullInteger(this.settings.mode) || this.currentNode === undefined) return t;
    const isFloat = this.b.tensor(t).type === TensorType.FLOAT32;
    if (this.quantized && isFloat)
      throw quantMissing(
        `"${this.currentNode.name}" computes in integers but its input "${value.name}" is float (it has no quant annotation)`,
        { node: this.currentNode.name, field: value.name },
      );
    if (this.quantized || isFloat) return t;
    let view = this.floatViews.get(value);
    if (view === undefined) {
      view = this.b.addTensor({
        name: `${value.name}/dequantize`,
        type: TensorType.FLOAT32,
        shape: this.shapeOf(value),
      });
      this.addOp(Op.DEQUANTIZE, [t], [view], 0, undefined, {
        kind: 'float',
        inputType: this.int16Activations ? 'int16' : 'int8',
      });
      this.floatViews.set(value, view);
    }
    return view;
  }

  /** The tensor bound to `value`, as written by its producer (no conversion). */
  boundTensor(value: Value): number {
    const t = this.valueTensors.get(value);
    if (t === undefined)
      throw new GraphError(`value "${value.name}" is read before it is written`, {
        field: value.name,
      });
    return t;
  }

  /**
   * After a float layer: each output an integer layer reads (it carries a quant annotation) is
   * quantized right away, so every reader sees the same integer values the simulation computes.
   */
  quantizeFloatOutputs(node: Node): void {
    if (!this.inFloatLayer) return;
    for (const v of node.outputs) {
      if (!this.has(v) || v.annotations.quant === undefined) continue;
      const f = this.boundTensor(v);
      if (this.b.tensor(f).type !== TensorType.FLOAT32) continue;
      const q = this.integerTensor(v);
      this.addOp(Op.QUANTIZE, [f], [q], BuiltinOptionsType.QuantizeOptions, {}, { kind: 'int8' });
      this.bind(v, q);
    }
  }

  bind(value: Value, index: number): void {
    this.valueTensors.set(value, index);
  }

  has(value: Value): boolean {
    return this.valueTensors.has(value);
  }

  shapeOf(value: Value): number[] {
    if (!value.shape)
      throw new GraphError(`value "${value.name}" has no shape; run shape inference first`, {
        field: value.name,
      });
    return value.shape;
  }

  /** Integer parameters of an activation value (full-integer modes: int8, or int16 in 16x8). */
  activationQuant(value: Value): TflQuantization {
    const q = value.annotations.quant;
    const dtype = this.int16Activations ? 'int16' : 'int8';
    const where = { node: value.producer?.name ?? value.name, field: value.name };
    if (q === undefined || q.dtype !== dtype || q.scale.length !== 1) {
      throw quantMissing(
        `value "${value.name}" has no per-tensor ${dtype} quant annotation${q ? ` (it has ${q.dtype}, ${q.scale.length} scale(s))` : ''}`,
        where,
      );
    }
    if (dtype === 'int16' && q.zeroPoint[0] !== 0)
      throw unsupportedFeature(
        `16x8 activations are symmetric (zero point 0); value "${value.name}" has zero point ${q.zeroPoint[0]}`,
        where,
      );
    return toTfliteQuant(q.scale, q.zeroPoint);
  }

  /** The tensor a node's output value is written to (int8 with its annotation in full-integer modes). */
  outputTensor(value: Value, name?: string): number {
    if (this.quantized) return this.integerTensor(value, name);
    // A float layer's output an integer layer reads is quantized next (quantizeFloatOutputs).
    const tname =
      name ??
      (this.inFloatLayer && value.annotations.quant !== undefined
        ? `${value.name}/float`
        : value.name);
    return this.b.addTensor({ name: tname, type: TensorType.FLOAT32, shape: this.shapeOf(value) });
  }

  private integerTensor(value: Value, name?: string): number {
    const isGraphOutput = this.graph.outputs.includes(value);
    const tname =
      name ??
      (hasFloatIo(this.mode) && isGraphOutput
        ? `${value.name}_${this.int16Activations ? 'int16' : 'int8'}`
        : value.name);
    return this.b.addTensor({
      name: tname,
      type: this.activationType,
      shape: this.shapeOf(value),
      quantization: this.activationQuant(value),
    });
  }

  /** A tensor between two operators of one IR node. */
  intermediate(name: string, shape: readonly number[], quantization?: TflQuantization): number {
    if (this.quantized) {
      if (!quantization)
        throw new GraphError(`intermediate tensor ${name} needs quantization parameters`);
      return this.b.addTensor({ name, type: this.activationType, shape, quantization });
    }
    return this.b.addTensor({ name, type: TensorType.FLOAT32, shape });
  }

  /**
   * Emit an op whose int8 output must carry `required` parameters (the input's for pooling/reshape,
   * fixed ones for softmax/logistic/tanh). When the value's annotation differs, the op writes a
   * tensor with the required parameters and a QUANTIZE (requantize) op converts to the annotation.
   */
  emitWithOutputQuant(
    value: Value,
    required: TflQuantization | undefined,
    emit: (out: number) => void,
  ): void {
    if (!this.quantized || required === undefined) {
      const out = this.outputTensor(value);
      emit(out);
      this.bind(value, out);
      return;
    }
    const wanted = this.activationQuant(value);
    if (sameQuant(required, wanted)) {
      const out = this.outputTensor(value);
      emit(out);
      this.bind(value, out);
      return;
    }
    const mid = this.b.addTensor({
      name: `${value.name}/requantize_src`,
      type: this.activationType,
      shape: this.shapeOf(value),
      quantization: required,
    });
    emit(mid);
    const out = this.outputTensor(value);
    this.addOp(Op.QUANTIZE, [mid], [out], BuiltinOptionsType.QuantizeOptions, {}, { kind: 'int8' });
    this.bind(value, out);
  }

  /**
   * An identity (Dropout, linear activation): the value reuses the input tensor, or in int8 a
   * QUANTIZE requantizes when the value's annotation differs from the input's parameters.
   */
  alias(value: Value, input: number): void {
    if (
      !this.quantized ||
      sameQuant(this.b.tensor(input).quantization, this.activationQuant(value))
    ) {
      this.bind(value, input);
      return;
    }
    const out = this.outputTensor(value);
    this.addOp(
      Op.QUANTIZE,
      [input],
      [out],
      BuiltinOptionsType.QuantizeOptions,
      {},
      { kind: 'int8' },
    );
    this.bind(value, out);
  }

  addOp(
    code: number,
    inputs: number[],
    outputs: number[],
    optionsType: number,
    options: Record<string, number | boolean | readonly number[]> | undefined,
    facts: Parameters<typeof operatorVersion>[1] = { kind: this.activationKind },
  ): void {
    if (this.int16Activations && this.quantized && !INT16_ACTIVATION_OPS.has(code)) {
      const node = this.currentNode;
      throw unsupportedFeature(
        `TFLite has no 16x8 (int16 activation) kernel for ${builtinOperatorName(code)}${node ? `, which ${node.op} "${node.name}" needs` : ''}; write this model as int8, or keep the layer out of 16x8 quantization`,
        node ? { node: node.name } : {},
      );
    }
    this.b.addOperator(
      code,
      operatorVersion(code, {
        ...facts,
        ...(this.int16Activations && this.quantized ? { int16: true } : {}),
      }),
      inputs,
      outputs,
      optionsType,
      optionsType === 0 ? undefined : options,
    );
  }

  constInt32(
    name: string,
    values: readonly number[],
    shape: readonly number[] = [values.length],
  ): number {
    const t = tensor('int32', shape, Int32Array.from(values));
    return this.b.addTensor({ name, type: TensorType.INT32, shape, data: copyBytes(t) });
  }

  constFloat(name: string, data: Float32Array, shape: readonly number[]): number {
    return this.b.addTensor({
      name,
      type: TensorType.FLOAT32,
      shape,
      data: copyBytes(tensor('float32', shape, data)),
    });
  }

  /**
   * The filter/weights input of a conv, depthwise, transpose-conv or fully-connected op, in the
   * TFLite layout and the storage the mode asks for. `hybridCapable` ops read int8 weights with
   * float activations in dynamic-range mode; others get a DEQUANTIZE in front.
   */
  kernelInput(
    node: Node,
    slot: string,
    layout: WeightLayout,
    hybridCapable: boolean,
    source?: WeightSource,
  ): KernelInput {
    const w = source ?? {
      tensor: node.weight(slot).tensor,
      quant: node.weight(slot).annotations.quant,
    };
    const ann = w.quant;
    const name = `${node.name}/${slot}`;
    const int8Ann = ann !== undefined && ann.dtype === 'int8' ? ann : undefined;
    if (this.quantized || (this.mode === 'dynamic' && int8Ann)) {
      if (!int8Ann)
        throw quantMissing(`weight "${slot}" has no int8 quant annotation`, {
          node: node.name,
          field: slot,
        });
      const { index, scales, perChannel } = this.int8Constant(
        node,
        slot,
        w.tensor,
        int8Ann,
        layout,
        name,
        this.int4Storage(node, slot, int8Ann, layout),
      );
      if (this.quantized) return { index, kind: 'int8', scales, perChannel };
      if (hybridCapable) return { index, kind: 'hybrid', scales, perChannel };
      const deq = this.b.addTensor({
        name: `${name}_dequantize`,
        type: TensorType.FLOAT32,
        shape: toTfliteLayout(w.tensor, layout).shape,
      });
      this.addOp(Op.DEQUANTIZE, [index], [deq], 0, undefined, {
        kind: 'float',
        inputType: 'int8',
        perChannel,
      });
      return { index: deq, kind: 'float', perChannel: false };
    }
    return {
      index: this.floatWeight(w.tensor, ann, layout, name),
      kind: 'float',
      perChannel: false,
    };
  }

  /**
   * Bias input: zeros when the layer has none; int32 with scale = input scale × weight scale in
   * full-integer modes; float32 (float16 + DEQUANTIZE when annotated) otherwise. `override` gives
   * the bias values instead of the node's slot (its annotation is then not used).
   */
  biasInput(
    node: Node,
    count: number,
    input: number,
    kernel: KernelInput,
    override?: Float32Array,
  ): number {
    const w = override ? undefined : node.weights['bias'];
    const name = `${node.name}/bias`;
    const values = override ?? (w ? (w.tensor.data as Float32Array) : new Float32Array(count));
    if (values.length !== count)
      throw new GraphError(`bias has ${values.length} entries, expected ${count}`, {
        node: node.name,
        field: 'bias',
      });
    if (kernel.kind === 'int8') {
      const inScale = this.b.tensor(input).quantization?.scale?.[0];
      if (inScale === undefined || !kernel.scales)
        throw quantMissing('input or weight scale missing for the int32 bias', {
          node: node.name,
          field: 'bias',
        });
      const scales = kernel.scales.map((s) => s * inScale);
      const biasAnn = w?.annotations.quant;
      const biasDtype = this.int16Activations ? 'int64' : 'int32';
      const effective =
        biasAnn && biasAnn.dtype === biasDtype && biasAnn.scale.length === scales.length
          ? biasAnn.scale
          : scales;
      const zero = new Array<number>(effective.length).fill(0);
      if (this.int16Activations) {
        const q64 = new BigInt64Array(count);
        quantizeSymmetric64(values, Float32Array.from(effective), q64);
        return this.b.addTensor({
          name,
          type: TensorType.INT64,
          shape: [count],
          quantization: toTfliteQuant(effective, zero, 0),
          data: copyBytes(tensor('int64', [count], q64)),
        });
      }
      const q = new Int32Array(count);
      quantizeSymmetric(values, [count], Float32Array.from(effective), 0, q);
      return this.b.addTensor({
        name,
        type: TensorType.INT32,
        shape: [count],
        quantization: toTfliteQuant(effective, zero, 0),
        data: copyBytes(tensor('int32', [count], q)),
      });
    }
    const t = tensor('float32', [count], values);
    return this.floatWeight(t, w?.annotations.quant, 'vector', name);
  }

  private floatWeight(
    t: Tensor,
    ann: QuantAnnotation | undefined,
    layout: WeightLayout,
    name: string,
  ): number {
    if (t.dtype !== 'float32')
      throw unsupportedFeature(
        `weight ${name} is ${t.dtype}; only float32 weights can be exported`,
        { field: name },
      );
    const tfl = toTfliteLayout(t, layout);
    const wantsHalf =
      ann?.dtype === 'float16' || (this.mode === 'float16' && this.settings.allFloat16);
    if (
      wantsHalf &&
      (this.mode === 'float16' || this.mode === 'float32' || this.mode === 'dynamic')
    ) {
      const src = tfl.data as Float32Array;
      const half = new Uint16Array(src.length);
      for (let i = 0; i < src.length; i++) half[i] = float32ToFloat16Bits(src[i]!);
      const h = this.b.addTensor({
        name,
        type: TensorType.FLOAT16,
        shape: tfl.shape,
        data: copyBytes(tensor('float16', tfl.shape, half)),
      });
      const deq = this.b.addTensor({
        name: `${name}_dequantize`,
        type: TensorType.FLOAT32,
        shape: tfl.shape,
      });
      this.addOp(Op.DEQUANTIZE, [h], [deq], 0, undefined, { kind: 'float', inputType: 'float16' });
      return deq;
    }
    const dense = copyBytes(tfl);
    if (this.settings.sparse && layout !== 'vector') {
      const sparse = encodeSparse(tfl);
      if (sparse && sparse.byteEstimate < dense.length)
        return this.densified(name, TensorType.FLOAT32, tfl.shape, sparse, undefined);
    }
    return this.b.addTensor({ name, type: TensorType.FLOAT32, shape: tfl.shape, data: dense });
  }

  /**
   * Whether a 4-bit weight is stored as INT4: only in full-int8 files and for the ops the
   * interpreter runs with INT4 filters; otherwise it is written as int8 (exact: its values are on
   * the 4-bit grid) and the fallback is reported.
   */
  private int4Storage(
    node: Node,
    slot: string,
    ann: QuantAnnotation,
    layout: WeightLayout,
  ): boolean {
    if (ann.bits !== 4) return false;
    const fullInt8 = this.mode === 'int8' || this.mode === 'int8-io';
    if (fullInt8 && INT4_LAYOUTS.has(layout)) return true;
    this.settings.warn(
      `${node.op} "${node.name}" ${slot}: 4-bit weights are written as int8 (TFLite INT4 filters run only for CONV_2D, DEPTHWISE_CONV_2D and FULLY_CONNECTED in full-int8 files; this is ${layout === 'vector' ? 'a vector' : `a ${layout} filter`} in a ${this.mode} file)`,
    );
    return false;
  }

  private int8Constant(
    node: Node,
    slot: string,
    t: Tensor,
    ann: QuantAnnotation,
    layout: WeightLayout,
    name: string,
    int4 = false,
  ): { index: number; scales: Float32Array; perChannel: boolean } {
    if (t.dtype !== 'float32')
      throw unsupportedFeature(`weight is ${t.dtype}, expected float32 on the int8 grid`, {
        node: node.name,
        field: slot,
      });
    const perChannel = ann.scale.length > 1;
    if (ann.zeroPoint.some((z) => z !== 0)) {
      throw unsupportedFeature('TFLite int8 weights must be symmetric (zero point 0)', {
        node: node.name,
        field: slot,
      });
    }
    const q = new Int8Array(sizeOf(t.shape));
    quantizeOnGrid(t, ann, q);
    const tfl = toTfliteLayout(tensor('int8', t.shape, q), layout);
    const qdim = perChannel ? TFLITE_CHANNEL_AXIS[layout] : 0;
    if (perChannel && tfl.shape[qdim] !== ann.scale.length) {
      throw unsupportedFeature(
        `per-channel weight has ${ann.scale.length} scales but TFLite dimension ${qdim} has ${tfl.shape[qdim]} channels (the quantized axis must be the output channel)`,
        { node: node.name, field: slot },
      );
    }
    const quantization = toTfliteQuant(
      ann.scale,
      new Array<number>(ann.scale.length).fill(0),
      qdim,
    );
    if (int4) {
      const index = this.b.addTensor({
        name,
        type: TensorType.INT4,
        shape: tfl.shape,
        quantization,
        data: packInt4(tfl.data as Int8Array),
      });
      return { index, scales: ann.scale, perChannel };
    }
    const dense = copyBytes(tfl);
    if (this.settings.sparse && this.mode !== 'dynamic') {
      const sparse = encodeSparse(tfl);
      if (sparse && sparse.byteEstimate < dense.length) {
        return {
          index: this.densified(name, TensorType.INT8, tfl.shape, sparse, quantization),
          scales: ann.scale,
          perChannel,
        };
      }
    }
    const index = this.b.addTensor({
      name,
      type: TensorType.INT8,
      shape: tfl.shape,
      quantization,
      data: dense,
    });
    return { index, scales: ann.scale, perChannel };
  }

  /** A sparse constant plus the DENSIFY op that expands it for the consuming op. */
  private densified(
    name: string,
    type: number,
    shape: readonly number[],
    sparse: NonNullable<ReturnType<typeof encodeSparse>>,
    quantization: TflQuantization | undefined,
  ): number {
    const src = this.b.addTensor({
      name: `${name}/sparse`,
      type,
      shape,
      sparsity: sparse.sparsity,
      data: sparse.values,
      ...(quantization ? { quantization } : {}),
    });
    const out = this.b.addTensor({ name, type, shape, ...(quantization ? { quantization } : {}) });
    this.addOp(Op.DENSIFY, [src], [out], 0, undefined, { kind: 'float' });
    return out;
  }
}

/** A copy of a tensor's bytes (never a view of the caller's data). */
export function copyBytes(t: Tensor): Uint8Array {
  return tensorBytes(t).slice();
}

/** Quantization parameters of the tensor at `index` (int8 modes). */
export function quantOf(ctx: ExportContext, index: number): TflQuantization | undefined {
  return ctx.b.tensor(index).quantization;
}
