import {
  QUANTIZATION_MODES,
  UnsupportedError,
  defaultOpRegistry,
  sizeOf,
  tensor,
  toFloat16Array,
  fromFloat16Array,
  type Graph,
  type Node,
  type OpRegistry,
  type QuantAnnotation,
  type QuantizationMode,
  type Weight,
} from '@collabopt/core';
import { paramsOfValue } from './annotations';
import { ALL_LAYERS_QUANTIZED, type LayerPrecision } from './layer-precision';
import { WEIGHT_BITS, checkWeightBits } from './weight-bits';
import { sqnrDb } from './sqnr';
import {
  minWeightScalesForBias,
  quantizeBias,
  quantizeSymmetric,
  quantizeWeight,
  weightQuantAnnotation,
  type WeightQuantizationResult,
} from './weight-quantization';

/** Kernel bit widths live in weight-bits.ts (layer-precision checks them too). */
export { WEIGHT_BITS, checkWeightBits };

/** The quantization modes are core's one list (docs/quantization-contract.md). */
export { QUANTIZATION_MODES, type QuantizationMode };

/** The converter's dynamic-range threshold: smaller weights stay float. */
export const DYNAMIC_MIN_ELEMENTS = 1024;

/** Per-weight line of the quantization report. */
export interface WeightQuantReport {
  readonly node: string;
  readonly slot: string;
  readonly dtype: QuantAnnotation['dtype'];
  readonly channels: number;
  /** SQNR (dB) of the quantized weight against the float weight. */
  readonly sqnrDb: number;
  readonly uniqueValues?: number;
}

function isFloat(w: Weight): boolean {
  return w.tensor.data instanceof Float32Array;
}

function snapKernel(
  node: Node,
  slot: string,
  registry: OpRegistry,
  codebookAware: boolean,
  bits: number,
  minScale?: Float32Array,
): { scale: Float32Array; report: WeightQuantReport } {
  const w = node.weight(slot);
  const capabilities = registry.slot(node, slot)!.capabilities;
  const axes = capabilities.perChannelQuantization ? capabilities.channelAxes : undefined;
  const before = w.tensor.data as Float32Array;
  const opts = {
    bits,
    ...(axes ? { channelAxes: axes } : {}),
    ...(minScale ? { minScale } : {}),
  };
  const r: WeightQuantizationResult = codebookAware
    ? quantizeWeight(w, opts)
    : quantizeSymmetric(w.tensor, opts);
  w.tensor = tensor('float32', w.tensor.shape, r.values);
  w.annotations.quant = weightQuantAnnotation(r);
  if (r.codebook) w.annotations.codebook = r.codebook;
  return {
    scale: r.scale,
    report: {
      node: node.name,
      slot,
      dtype: 'int8',
      channels: r.scale.length,
      sqnrDb: sqnrDb(before, r.values),
      uniqueValues: new Set(r.q).size,
    },
  };
}

function snapBias(
  node: Node,
  inputScale: number,
  weightScale: Float32Array,
  bits: 32 | 64,
): WeightQuantReport {
  const w = node.weight('bias');
  const before = w.tensor.data as Float32Array;
  const b = quantizeBias(before, inputScale, weightScale, bits);
  w.tensor = tensor('float32', w.tensor.shape, b.values);
  const perChannel = weightScale.length > 1;
  w.annotations.quant = {
    dtype: bits === 32 ? 'int32' : 'int64',
    scale: perChannel ? b.scale : Float32Array.of(b.scale[0]!),
    zeroPoint: new Int32Array(perChannel ? b.scale.length : 1),
    ...(perChannel ? { channelAxes: [0] } : {}),
    bits,
    narrowRange: false,
  };
  return {
    node: node.name,
    slot: 'bias',
    dtype: bits === 32 ? 'int32' : 'int64',
    channels: weightScale.length,
    sqnrDb: sqnrDb(before, b.values),
  };
}

export interface WeightQuantizationOptions {
  /** Quantize kept codebooks centroid-wise (default true). */
  readonly codebookAware?: boolean;
  /** Bits of the kernels' symmetric grid (default 8; 4 writes int4 kernels where formats can). */
  readonly weightBits?: number;
  /** Float layers (weights left float) and per-layer weight bits overriding `weightBits`. */
  readonly precision?: LayerPrecision;
}

/**
 * Quantize the weights of `graph` for `mode`, in place, writing `quant` annotations and snapping the
 * float values to the grid. Integer modes need the input activation of each kernel op annotated
 * first (bias scale = input scale × weight scale). Masks stay exact; codebooks are quantized
 * centroid-wise and updated. Kernels use `weightBits` bits (int8 and int8-io modes only), or their
 * layer's `precision` override; float layers of `precision` keep float weights.
 */
export function quantizeGraphWeights(
  graph: Graph,
  mode: QuantizationMode,
  registry: OpRegistry = defaultOpRegistry,
  options: WeightQuantizationOptions = {},
): WeightQuantReport[] {
  const codebookAware = options.codebookAware ?? true;
  const bits = options.weightBits ?? 8;
  checkWeightBits(mode, bits, 'quantizeGraphWeights');
  const precision = options.precision ?? ALL_LAYERS_QUANTIZED;
  const report: WeightQuantReport[] = [];
  for (const node of graph.topologicalOrder()) {
    if (precision.isFloat(node)) continue;
    const layerBits = precision.weightBits(node);
    if (layerBits !== undefined) checkWeightBits(mode, layerBits, `layerBits ${node.name}`);
    if (node.op === 'SeparableConv2D' && mode !== 'float16') {
      throw new UnsupportedError(
        `SeparableConv2D "${node.name}" cannot be integer-quantized as one node (its depthwise output needs its own range); split it into DepthwiseConv2D + Conv2D first`,
        { node: node.name },
      );
    }
    if (mode === 'float16') {
      for (const slot of registry.weightSlots(node)) {
        const w = node.weights[slot.name];
        if (!w || !slot.capabilities.quantizable || !isFloat(w)) continue;
        const before = w.tensor.data as Float32Array;
        const values = fromFloat16Array(toFloat16Array(before));
        w.tensor = tensor('float32', w.tensor.shape, values);
        w.annotations.quant = {
          dtype: 'float16',
          scale: Float32Array.of(1),
          zeroPoint: Int32Array.of(0),
          bits: 16,
          narrowRange: false,
        };
        report.push({
          node: node.name,
          slot: slot.name,
          dtype: 'float16',
          channels: 1,
          sqnrDb: sqnrDb(before, values),
        });
      }
      continue;
    }
    const kernelSlot = registry.quantizedKernel(node)?.name;
    const kernel = kernelSlot === undefined ? undefined : node.weights[kernelSlot];
    if (kernelSlot === undefined || !kernel || !isFloat(kernel)) continue;
    if (mode === 'dynamic') {
      if (sizeOf(kernel.tensor.shape) >= DYNAMIC_MIN_ELEMENTS)
        report.push(snapKernel(node, kernelSlot, registry, codebookAware, 8).report);
      continue;
    }
    const inParams = paramsOfValue(node.inputs[0]!);
    if (!inParams) {
      throw new UnsupportedError(
        `the input "${node.inputs[0]!.name}" of "${node.name}" has no activation quantization parameters`,
        {
          node: node.name,
        },
      );
    }
    const biasBits = mode === 'int16x8' ? 64 : 32;
    const bias = node.weights['bias'];
    const minScale =
      bias && isFloat(bias)
        ? minWeightScalesForBias(bias.tensor.data as Float32Array, inParams.scale, biasBits)
        : undefined;
    const k = snapKernel(node, kernelSlot, registry, codebookAware, layerBits ?? bits, minScale);
    report.push(k.report);
    if (bias && isFloat(bias)) report.push(snapBias(node, inParams.scale, k.scale, biasBits));
  }
  return report;
}
