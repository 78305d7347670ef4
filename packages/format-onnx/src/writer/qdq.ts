import {
  UnsupportedError,
  channelLayout,
  defaultOpRegistry,
  encodeTensor,
  quantRange,
  type Node,
  type OpRegistry,
  type QuantAnnotation,
  type Tensor,
  type Value,
} from '@collabopt/core';
import { INT4_MIN_OPSET, int4TensorProto } from './int4-initializer';
import type { OnnxGraphBuilder } from './onnx-builder';

/** 7-bit symmetric weights: q in [−63, 63]. */
const REDUCED_QMAX = 63;

/**
 * Writes QuantizeLinear/DequantizeLinear pairs from the quantization annotations
 * (docs/quantization-contract.md): int8 weights per output channel (or per tensor) with zero
 * point 0, int32 biases with scale = input scale × weight scale, int8 activations per tensor.
 */
export class QdqWriter {
  /** Effective per-channel weight scales of each node's kernel (after reduce-range). */
  private readonly kernelScales = new Map<Node, Float32Array>();

  constructor(
    private readonly b: OnnxGraphBuilder,
    private readonly reduceRange: boolean,
    private readonly registry: OpRegistry = defaultOpRegistry,
    /** The opset being written (4-bit weights need INT4, opset ≥ 21). */
    private readonly opset: number = INT4_MIN_OPSET,
  ) {}

  hasActivationQuant(v: Value): boolean {
    const q = v.annotations.quant;
    return q !== undefined && (q.dtype === 'int8' || q.dtype === 'uint8');
  }

  /** QuantizeLinear → DequantizeLinear of an activation; returns the dequantized tensor name. */
  quantizeDequantize(v: Value, input: string, output: string): string {
    const q = v.annotations.quant!;
    if (q.scale.length !== 1) {
      throw new UnsupportedError(
        `activation "${v.name}" has per-channel quantization; QDQ export expects per-tensor activations`,
        { field: v.name },
        'ONNX_UNSUPPORTED_QUANTIZATION',
      );
    }
    const scale = this.b.initializer(`${v.name}_scale`, {
      dtype: 'float32',
      shape: [],
      data: new Float32Array([q.scale[0]!]),
    });
    const zp =
      q.dtype === 'uint8'
        ? this.b.initializer(`${v.name}_zero_point`, {
            dtype: 'uint8',
            shape: [],
            data: new Uint8Array([q.zeroPoint[0]!]),
          })
        : this.b.initializer(`${v.name}_zero_point`, {
            dtype: 'int8',
            shape: [],
            data: new Int8Array([q.zeroPoint[0]!]),
          });
    const quantized = this.b.name(`${v.name}_quantized`);
    this.b.node('QuantizeLinear', `${v.name}_quantize`, [input, scale, zp], [quantized]);
    this.b.node('DequantizeLinear', `${v.name}_dequantize`, [quantized, scale, zp], [output]);
    return output;
  }

  /**
   * int8 initializer + DequantizeLinear for an annotated weight; `layout` converts the IR layout
   * to ONNX's, `onnxAxis` is the ONNX channel axis. Undefined when the weight is not int8-annotated.
   */
  weight(
    node: Node,
    slot: string,
    layout: ((t: Tensor) => Tensor) | undefined,
    onnxAxis: number,
  ): string | undefined {
    const w = node.weights[slot];
    const ann = w?.annotations.quant;
    if (w === undefined || ann === undefined || ann.dtype !== 'int8') return undefined;
    if (w.tensor.dtype !== 'float32') {
      throw new UnsupportedError(
        `weight ${slot} has dtype ${w.tensor.dtype}, expected float32 values on the int8 grid`,
        { node: node.name, field: slot },
        'ONNX_UNSUPPORTED_DTYPE',
      );
    }
    const data = w.tensor.data as Float32Array;
    const perChannel = ann.scale.length > 1;
    const axes = ann.channelAxes ??
      this.registry.slot(node, slot)?.capabilities.channelAxes ?? [w.tensor.shape.length - 1];
    const channels = perChannel ? channelLayout(w.tensor.shape, axes) : undefined;
    if (channels && channels.count !== ann.scale.length) {
      throw new UnsupportedError(
        `weight ${slot} has ${ann.scale.length} scales for ${channels.count} channels`,
        { node: node.name, field: slot },
        'ONNX_BAD_QUANTIZATION',
      );
    }
    if (ann.bits === 4) return this.int4Weight(node, slot, layout, onnxAxis, axes, channels);
    const [, annQmax] = quantRange(ann);
    const reduce = this.reduceRange && ann.bits > 7;
    const qmax = reduce ? REDUCED_QMAX : annQmax;
    const scales = Float32Array.from(ann.scale, (s) => (reduce ? (s * annQmax) / REDUCED_QMAX : s));
    const q = encodeTensor(
      data,
      w.tensor.shape,
      {
        scale: scales,
        zeroPoint: ann.zeroPoint,
        ...(channels ? { channelAxes: axes } : {}),
        qmin: -qmax - 1,
        qmax,
      },
      new Int8Array(data.length),
    );
    this.kernelScales.set(node, scales);
    const qt: Tensor = layout
      ? layout({ dtype: 'int8', shape: w.tensor.shape, data: q })
      : { dtype: 'int8', shape: w.tensor.shape, data: q };
    const base = `${node.name}_${slot}`;
    const qName = this.b.initializer(`${base}_quantized`, qt);
    const scaleName = this.b.initializer(`${base}_scale`, {
      dtype: 'float32',
      shape: perChannel ? [scales.length] : [],
      data: scales,
    });
    const zps = Int8Array.from(perChannel ? ann.zeroPoint : [ann.zeroPoint[0] ?? 0]);
    const zpName = this.b.initializer(`${base}_zero_point`, {
      dtype: 'int8',
      shape: perChannel ? [zps.length] : [],
      data: zps,
    });
    const out = this.b.name(base);
    this.b.node(
      'DequantizeLinear',
      `${base}_dequantize`,
      [qName, scaleName, zpName],
      [out],
      perChannel ? { axis: onnxAxis } : {},
    );
    return out;
  }

  /** A 4-bit weight as an INT4 initializer (and INT4 zero points) + DequantizeLinear (opset ≥ 21). */
  private int4Weight(
    node: Node,
    slot: string,
    layout: ((t: Tensor) => Tensor) | undefined,
    onnxAxis: number,
    axes: readonly number[],
    channels: ReturnType<typeof channelLayout> | undefined,
  ): string {
    const w = node.weights[slot]!;
    const ann = w.annotations.quant!;
    if (this.opset < INT4_MIN_OPSET) {
      throw new UnsupportedError(
        `${node.op} "${node.name}" ${slot} has 4-bit weights, which ONNX stores as INT4 from opset ${INT4_MIN_OPSET}; write with opset ${INT4_MIN_OPSET} or later (this file: opset ${this.opset})`,
        { node: node.name, field: slot },
        'ONNX_UNSUPPORTED_QUANTIZATION',
      );
    }
    const [qmin, qmax] = quantRange(ann);
    const codes = encodeTensor(
      w.tensor.data as Float32Array,
      w.tensor.shape,
      {
        scale: ann.scale,
        zeroPoint: ann.zeroPoint,
        ...(channels ? { channelAxes: axes } : {}),
        qmin,
        qmax,
      },
      new Int8Array(w.tensor.data.length),
    );
    this.kernelScales.set(node, Float32Array.from(ann.scale));
    const laid: Tensor = layout
      ? layout({ dtype: 'int8', shape: w.tensor.shape, data: codes })
      : { dtype: 'int8', shape: w.tensor.shape, data: codes };
    const perChannel = channels !== undefined;
    const base = `${node.name}_${slot}`;
    const qName = this.b.protoInitializer(`${base}_quantized`, (name) =>
      int4TensorProto(name, laid.shape, laid.data as Int8Array),
    );
    const scaleName = this.b.initializer(`${base}_scale`, {
      dtype: 'float32',
      shape: perChannel ? [ann.scale.length] : [],
      data: Float32Array.from(ann.scale),
    });
    const zps = Int8Array.from(perChannel ? ann.zeroPoint : [ann.zeroPoint[0] ?? 0]);
    const zpName = this.b.protoInitializer(`${base}_zero_point`, (name) =>
      int4TensorProto(name, perChannel ? [zps.length] : [], zps),
    );
    const out = this.b.name(base);
    this.b.node(
      'DequantizeLinear',
      `${base}_dequantize`,
      [qName, scaleName, zpName],
      [out],
      perChannel ? { axis: onnxAxis } : {},
    );
    return out;
  }

  /**
   * int32 bias + DequantizeLinear (scale = input scale × kernel scale), written after the
   * kernel. Undefined (float bias) when the kernel or the input is not quantized.
   */
  bias(node: Node, input: Value, _kernelSlot: string): string | undefined {
    const bias = node.weights['bias'];
    const kScales = this.kernelScales.get(node);
    const inQ: QuantAnnotation | undefined = input.annotations.quant;
    if (bias === undefined || kScales === undefined || inQ === undefined) return undefined;
    const data = bias.tensor.data as Float32Array;
    const inScale = inQ.scale[0]!;
    const perChannel = kScales.length > 1;
    const ann = bias.annotations.quant;
    const scales = Float32Array.from(
      perChannel ? kScales : new Float32Array(1).fill(kScales[0]!),
      (s, c) =>
        ann !== undefined &&
        ann.dtype === 'int32' &&
        !this.reduceRange &&
        ann.scale.length === (perChannel ? kScales.length : 1)
          ? ann.scale[c]!
          : inScale * s,
    );
    const q = encodeTensor(
      data,
      [data.length],
      {
        scale: scales,
        ...(perChannel ? { channelAxes: [0] } : {}),
        qmin: -(2 ** 31),
        qmax: 2 ** 31 - 1,
      },
      new Int32Array(data.length),
    );
    const base = `${node.name}_bias`;
    const qName = this.b.initializer(`${base}_quantized`, {
      dtype: 'int32',
      shape: [data.length],
      data: q,
    });
    const scaleName = this.b.initializer(`${base}_scale`, {
      dtype: 'float32',
      shape: perChannel ? [scales.length] : [],
      data: scales,
    });
    const zpName = this.b.initializer(`${base}_zero_point`, {
      dtype: 'int32',
      shape: perChannel ? [scales.length] : [],
      data: new Int32Array(perChannel ? scales.length : 1),
    });
    const out = this.b.name(base);
    this.b.node(
      'DequantizeLinear',
      `${base}_dequantize`,
      [qName, scaleName, zpName],
      [out],
      perChannel ? { axis: 0 } : {},
    );
    return out;
  }
}
