/**
 * Re-quantize chosen kernels of a quantized graph from its float original with another scheme
 * (fewer bits, per channel where the stock pass quantizes per tensor), biases to match: to test
 * what a writer and the runtimes do with weight schemes the passes do not produce by default.
 */
import type { Graph, Node } from '@collabopt/core';
import { quantizeBias, quantizeSymmetric, weightQuantAnnotation } from '@collabopt/quantization';

export interface KernelScheme {
  /** Kernel bit width (default 8). */
  readonly bits?: number;
  /** The kernel's channel axes (per channel), or undefined (per tensor). */
  readonly channelAxes: (node: Node) => readonly number[] | undefined;
  /** Which nodes with a kernel to re-quantize (default: all). */
  readonly select?: (node: Node) => boolean;
  /** Bias bit width: 32 (int8 activations) or 64 (16x8). Default 32. */
  readonly biasBits?: 32 | 64;
}

/**
 * A copy of `quantized` whose selected kernels are re-quantized from the same node of `float`
 * (symmetric, narrow range) and whose biases are re-quantized to input scale × kernel scale.
 */
export function requantizeKernels(float: Graph, quantized: Graph, scheme: KernelScheme): Graph {
  const g = quantized.clone();
  const biasBits = scheme.biasBits ?? 32;
  for (const node of g.nodes) {
    const kernel = node.weights['kernel'];
    if (!kernel || !(scheme.select?.(node) ?? true)) continue;
    const axes = scheme.channelAxes(node);
    const qw = quantizeSymmetric(float.node(node.name).weight('kernel').tensor, {
      bits: scheme.bits ?? 8,
      ...(axes ? { channelAxes: [...axes] } : {}),
    });
    kernel.tensor = { ...kernel.tensor, data: qw.values };
    kernel.annotations.quant = weightQuantAnnotation(qw);
    const bias = node.weights['bias'];
    if (!bias) continue;
    const qb = quantizeBias(
      float.node(node.name).weight('bias').tensor.data as Float32Array,
      node.inputs[0]!.annotations.quant!.scale[0]!,
      qw.scale,
      biasBits,
    );
    const perChannel = qw.scale.length > 1;
    bias.tensor = { ...bias.tensor, data: qb.values };
    bias.annotations.quant = {
      dtype: biasBits === 32 ? 'int32' : 'int64',
      scale: perChannel ? qb.scale : Float32Array.of(qb.scale[0]!),
      zeroPoint: new Int32Array(perChannel ? qb.scale.length : 1),
      ...(perChannel ? { channelAxes: [0] } : {}),
      bits: biasBits,
      narrowRange: false,
    };
  }
  return g;
}
