import {
  channelLayout,
  defaultOpRegistry,
  encodeOnGrid,
  quantRange,
  type Graph,
  type OpRegistry,
} from '@collabopt/core';

/** What the kernels of a (quantized) graph look like as stored in an exported file. */
export interface KernelFigures {
  /** Fraction of kernel weights that are exactly zero. */
  readonly sparsity: number;
  /** Most distinct values (int8 codes when quantized) in one kernel. */
  readonly maxUniquePerKernel: number;
  /** Most distinct values in one output channel of one kernel. */
  readonly maxUniquePerChannel: number;
}

/**
 * Kernel figures of a graph as the exported file stores them: the fraction of zero kernel
 * weights, and the distinct values per kernel (whole tensor) and per output channel — int8 codes
 * q = round(w / scale) + zero point (core's grid) when the kernel carries a quant annotation. Kernels are the weight slots
 * the op registry marks with the `kernel` role.
 */
export function kernelFigures(
  graph: Graph,
  registry: OpRegistry = defaultOpRegistry,
): KernelFigures {
  let params = 0;
  let zeros = 0;
  let maxUnique = 0;
  let maxPerChannel = 0;
  for (const node of graph.nodes) {
    for (const [slot, weight] of Object.entries(node.weights)) {
      const spec = registry.has(node.op) ? registry.slot(node, slot) : undefined;
      if (spec?.role !== 'kernel' || !(weight.tensor.data instanceof Float32Array)) continue;
      const data = weight.tensor.data;
      params += data.length;
      const q = weight.annotations.quant;
      const axes = q?.channelAxes ?? spec.capabilities.channelAxes;
      const layout = axes.length > 0 ? channelLayout(weight.tensor.shape, axes) : undefined;
      const codes = new Set<number>();
      const perChannel = new Map<number, Set<number>>();
      for (let i = 0; i < data.length; i++) {
        if (data[i] === 0) zeros++;
        const c = layout ? layout.channelOf(i) : 0;
        const ch = q && q.scale.length > 1 ? c : 0;
        const scale = q && q.dtype !== 'float16' ? q.scale[ch]! : 0;
        const code =
          scale > 0
            ? encodeOnGrid(data[i]!, scale, q!.zeroPoint[ch] ?? 0, ...quantRange(q!))
            : data[i]!;
        codes.add(code);
        let set = perChannel.get(c);
        if (!set) perChannel.set(c, (set = new Set()));
        set.add(code);
      }
      maxUnique = Math.max(maxUnique, codes.size);
      for (const set of perChannel.values()) maxPerChannel = Math.max(maxPerChannel, set.size);
    }
  }
  return {
    sparsity: params ? zeros / params : 0,
    maxUniquePerKernel: maxUnique,
    maxUniquePerChannel: maxPerChannel,
  };
}
