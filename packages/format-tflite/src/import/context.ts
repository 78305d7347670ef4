import {
  GraphBuilder,
  defaultOpRegistry,
  formatShape,
  tensor,
  type Attributes,
  type Graph,
  type OpRegistry,
  type QuantAnnotation,
  type Value,
  type Weight,
} from '@collabopt/core';
import { invalid, shapeMismatch, unsupportedOperator } from '../errors';
import { fromTfliteLayout, type WeightLayout } from '../layout';
import { toQuantAnnotation } from '../quant-encoding';
import { builtinOperatorName, TensorType } from '../schema/enums';
import type { TflModel, TflOperator, TflSubGraph, TflTensor } from '../schema/model-types';
import { decodeConstant, type ConstantTensor } from './constants';

/** IR channel axes of each TFLite weight layout's quantized dimension. */
const IR_CHANNEL_AXES: Readonly<Record<WeightLayout, readonly number[]>> = {
  conv: [3],
  depthwise: [2, 3],
  dense: [1],
  transposeConv: [2],
  vector: [0],
};

export interface ImportSettings {
  readonly file?: string;
  readonly registry?: OpRegistry;
  /** Keep int8/float16 parameters as `quant` annotations (default true). */
  readonly keepQuant: boolean;
}

/** Summary of what the file stores, used to set `graph.metadata.quantization`. */
export interface ImportFindings {
  int8Activations: boolean;
  /** Activations are int16 (a 16x8 model). */
  int16Activations: boolean;
  int8Io: boolean;
  int8Weights: boolean;
  float16Weights: boolean;
}

/**
 * State of one TFLite → IR import: which IR value or constant each tensor is, building nodes with
 * inferred shapes and checking them against the shapes the file declares.
 */
export class ImportContext {
  readonly builder: GraphBuilder;
  readonly sg: TflSubGraph;
  private readonly values = new Map<number, Value>();
  private readonly constants = new Map<number, ConstantTensor>();
  /** Constants produced by DEQUANTIZE/DENSIFY of a constant (fp16 or int8 weights). */
  private readonly derived = new Map<number, ConstantTensor>();
  readonly findings: ImportFindings = {
    int8Activations: false,
    int16Activations: false,
    int8Io: false,
    int8Weights: false,
    float16Weights: false,
  };
  /** Current operator (for error locations). */
  opIndex = -1;
  opName = '';

  constructor(
    readonly model: TflModel,
    readonly settings: ImportSettings,
    name: string,
  ) {
    const sg = model.subgraphs[0];
    if (!sg) throw invalid('the model has no subgraph', undefined, settings.file);
    this.sg = sg;
    this.builder = new GraphBuilder(name, { registry: settings.registry ?? defaultOpRegistry });
  }

  get graph(): Graph {
    return this.builder.graph;
  }

  get file(): string | undefined {
    return this.settings.file;
  }

  tensor(index: number): TflTensor {
    const t = this.sg.tensors[index];
    if (t === undefined)
      throw invalid(
        `operator ${this.opIndex} refers to tensor ${index}, the subgraph has ${this.sg.tensors.length}`,
        undefined,
        this.file,
      );
    return t;
  }

  unsupported(why: string): Error {
    return unsupportedOperator(this.opName, this.opIndex, why, this.file);
  }

  isConstant(index: number): boolean {
    if (this.derived.has(index)) return true;
    const t = this.tensor(index);
    return t.buffer !== 0 && (this.model.buffers[t.buffer]?.length ?? 0) > 0;
  }

  hasValue(index: number): boolean {
    return this.values.has(index);
  }

  value(index: number): Value {
    const v = this.values.get(index);
    if (v !== undefined) return v;
    if (this.isConstant(index))
      throw this.unsupported(
        `input tensor ${index} ("${this.tensor(index).name}") is a constant; only activations are supported here`,
      );
    throw invalid(
      `operator ${this.opIndex} reads tensor ${index} ("${this.tensor(index).name}") before any operator writes it`,
      undefined,
      this.file,
    );
  }

  bind(index: number, value: Value): void {
    this.values.set(index, value);
  }

  constant(index: number): ConstantTensor {
    const d = this.derived.get(index);
    if (d) return d;
    let c = this.constants.get(index);
    if (c) return c;
    const t = this.tensor(index);
    if (t.buffer >= this.model.buffers.length)
      throw invalid(
        `tensor ${index} refers to buffer ${t.buffer} of ${this.model.buffers.length}`,
        undefined,
        this.file,
      );
    const data = this.model.buffers[t.buffer];
    if (!data || data.length === 0)
      throw this.unsupported(`tensor ${index} ("${t.name}") must be a constant`);
    c = decodeConstant(t, index, data, this.file);
    if (t.type === TensorType.INT8 || t.type === TensorType.INT4) this.findings.int8Weights = true;
    if (t.type === TensorType.FLOAT16) this.findings.float16Weights = true;
    this.constants.set(index, c);
    return c;
  }

  setDerivedConstant(index: number, c: ConstantTensor): void {
    this.derived.set(index, c);
  }

  /** An IR weight from a constant in TFLite layout, with its quant annotation when kept. */
  weight(index: number, layout: WeightLayout, inChannels = 0): Weight {
    const c = this.constant(index);
    const t = fromTfliteLayout(tensor('float32', c.shape, c.values), layout, inChannels);
    return { tensor: t, annotations: this.weightAnnotation(c, layout) };
  }

  private weightAnnotation(c: ConstantTensor, layout: WeightLayout): Weight['annotations'] {
    if (!this.settings.keepQuant) return {};
    if (c.type === TensorType.FLOAT16) {
      return {
        quant: {
          dtype: 'float16',
          scale: new Float32Array([1]),
          zeroPoint: new Int32Array([0]),
          bits: 16,
          narrowRange: false,
        },
      };
    }
    if (!c.quantization) return {};
    const dtype: QuantAnnotation['dtype'] =
      c.type === TensorType.INT32
        ? 'int32'
        : c.type === TensorType.INT8 || c.type === TensorType.INT4
          ? 'int8'
          : c.type === TensorType.UINT8
            ? 'uint8'
            : c.type === TensorType.INT64
              ? 'int64'
              : 'int16';
    const perChannel = (c.quantization.scale?.length ?? 0) > 1;
    const ann = toQuantAnnotation(c.quantization, dtype, {
      narrowRange: dtype === 'int8',
      ...(perChannel ? { channelAxes: IR_CHANNEL_AXES[layout] } : {}),
    });
    if (c.type === TensorType.INT4) return { quant: { ...ann, bits: 4 } };
    return { quant: ann };
  }

  /** Quant annotation + range for an int8 activation tensor (kept) and bookkeeping. */
  annotateActivation(value: Value, index: number): void {
    const t = this.tensor(index);
    if (t.type !== TensorType.INT8 && t.type !== TensorType.UINT8 && t.type !== TensorType.INT16)
      return;
    this.findings.int8Activations = true;
    if (t.type === TensorType.INT16) this.findings.int16Activations = true;
    const q = t.quantization;
    if (!this.settings.keepQuant || !q?.scale || q.scale.length !== 1) return;
    const dtype =
      t.type === TensorType.INT8 ? 'int8' : t.type === TensorType.UINT8 ? 'uint8' : 'int16';
    const ann = toQuantAnnotation(q, dtype);
    value.annotations.quant = ann;
    const [lo, hi] =
      dtype === 'int8' ? [-128, 127] : dtype === 'uint8' ? [0, 255] : [-32768, 32767];
    const s = ann.scale[0]!;
    const zp = ann.zeroPoint[0]!;
    value.annotations.range = { min: s * (lo - zp), max: s * (hi - zp), source: 'tflite' };
  }

  /** A unique node name derived from a tensor name. */
  nodeName(index: number): string {
    const raw = this.tensor(index).name || `op_${this.opIndex}`;
    return this.graph.uniqueName(raw.replace(/[;:]/g, '_'));
  }

  /**
   * Add an IR layer for the current operator writing TFLite tensor `out`; its inferred shape must
   * agree with the shape the file declares (batch dimension free).
   */
  layer(
    op: string,
    inputs: Value[],
    attrs: Attributes,
    weights: Record<string, Weight>,
    out: number,
    name?: string,
  ): Value {
    const value = this.builder.layer(op, name ?? this.nodeName(out), inputs, attrs, weights);
    this.checkShape(value, out);
    this.bind(out, value);
    this.annotateActivation(value, out);
    return value;
  }

  /** An extra IR node that is not an operator's final output (e.g. a split-off activation). */
  extraLayer(op: string, input: Value | Value[], attrs: Attributes, name: string): Value {
    return this.builder.layer(op, this.graph.uniqueName(name), input, attrs, {});
  }

  checkShape(value: Value, out: number): void {
    const t = this.tensor(out);
    const declared =
      t.shapeSignature && t.shapeSignature.length === t.shape.length ? t.shapeSignature : t.shape;
    const inferred = value.shape ?? [];
    const ok =
      declared.length === inferred.length &&
      declared.every((d, i) =>
        i === 0 ? true : d === -1 || inferred[i] === -1 || d === inferred[i],
      );
    if (!ok) {
      throw shapeMismatch(
        `operator ${this.opIndex} (${this.opName}) output tensor "${t.name}" is declared ${formatShape(declared)} but its inputs give ${formatShape(inferred)}`,
        {
          ...(this.file !== undefined ? { file: this.file } : {}),
          node: `operator ${this.opIndex}`,
          field: t.name,
        },
      );
    }
  }

  begin(op: TflOperator, index: number): void {
    this.opIndex = index;
    const code = this.model.operatorCodes[op.opcodeIndex];
    if (code === undefined)
      throw invalid(
        `operator ${index} uses opcode ${op.opcodeIndex} of ${this.model.operatorCodes.length}`,
        undefined,
        this.file,
      );
    this.opName =
      code.customCode !== undefined
        ? `CUSTOM(${code.customCode})`
        : builtinOperatorName(code.builtinCode);
  }
}
