import {
  attrFloat,
  attrInt,
  attrString,
  channelLayout,
  defaultOpRegistry,
  tensor,
  type CodebookAnnotation,
  type Graph,
  type Node,
  type OpRegistry,
} from '@collabopt/core';

/** Ops a following BatchNorm folds into, and the weight slot holding their output channels. */
export const BATCH_NORM_FOLD_TARGETS: Readonly<Record<string, string>> = {
  Conv2D: 'kernel',
  DepthwiseConv2D: 'kernel',
  Dense: 'kernel',
  Conv2DTranspose: 'kernel',
  SeparableConv2D: 'pointwiseKernel',
};

export interface FoldBatchNormReport {
  /** `batchNorm` was folded into `into`. */
  readonly folded: { batchNorm: string; into: string }[];
  /** BatchNorm nodes left in place, and why. */
  readonly skipped: { batchNorm: string; reason: string }[];
}

/** Why `bn` cannot be folded into its producer, or undefined when it can. */
export function whyBatchNormNotFoldable(
  graph: Graph,
  bn: Node,
  registry: OpRegistry = defaultOpRegistry,
): string | undefined {
  const input = bn.inputs[0]!;
  const producer = input.producer;
  const slot = BATCH_NORM_FOLD_TARGETS[producer.op];
  if (slot === undefined)
    return `its input comes from ${producer.op} "${producer.name}", not a Conv2D/DepthwiseConv2D/Dense`;
  const attrs = registry.resolveAttrs(producer);
  if (attrs['activation'] !== undefined && attrString(attrs, 'activation') !== 'linear') {
    return `"${producer.name}" applies a fused ${String(attrs['activation'])} activation before the BatchNorm`;
  }
  if (producer.outputs.length !== 1) return `"${producer.name}" has several outputs`;
  if (graph.outputs.includes(input) || graph.consumers(input).length !== 1) {
    return `the output of "${producer.name}" is also read elsewhere`;
  }
  const rank = input.shape?.length;
  const bnAttrs = registry.resolveAttrs(bn);
  const axis = attrInt(bnAttrs, 'axis');
  if (rank === undefined || (axis < 0 ? axis + rank : axis) !== rank - 1)
    return 'it does not normalise the channel (last) axis';
  for (const w of [...Object.values(bn.weights), ...Object.values(producer.weights)]) {
    if (!(w.tensor.data instanceof Float32Array))
      return `a weight is stored as ${w.tensor.dtype}, not float32`;
  }
  const ann = producer.weight(slot).annotations;
  if (ann.quant) return `"${producer.name}".${slot} is already quantized`;
  if (ann.codebook) {
    const cbAxes = ann.codebook.channelAxes;
    const capAxes = registry.slot(producer, slot)!.capabilities.channelAxes;
    if (cbAxes !== undefined && cbAxes.join(',') !== capAxes.join(',')) {
      return `"${producer.name}".${slot} has a codebook per channel along axes [${cbAxes.join(', ')}], not along its output channels [${capAxes.join(', ')}]`;
    }
  }
  return undefined;
}

/**
 * The codebook of a kernel whose output channel c is multiplied by `mult[c]`: row c of the result
 * holds the centroids of row c (or of the single per-tensor row) times `mult[c]`, so the codebook
 * becomes per channel along `channelAxes` and every channel still takes at most `clusters` values.
 * Indices and the pinned zero centroid (zero stays zero) carry over.
 */
export function scaleCodebookPerChannel(
  codebook: CodebookAnnotation,
  channelAxes: readonly number[],
  mult: ArrayLike<number>,
): CodebookAnnotation {
  const k = codebook.clusters;
  const perTensor = codebook.channelAxes === undefined;
  const rows = mult.length;
  const centroids = new Float32Array(rows * k);
  for (let r = 0; r < rows; r++)
    for (let j = 0; j < k; j++)
      centroids[r * k + j] = codebook.centroids[(perTensor ? 0 : r) * k + j]! * mult[r]!;
  const zero = codebook.zeroCentroid;
  return {
    ...codebook,
    centroids,
    channelAxes: [...channelAxes],
    ...(zero
      ? { zeroCentroid: perTensor ? new Array<number>(rows).fill(zero[0]!) : [...zero] }
      : {}),
  };
}

function foldOne(bn: Node, registry: OpRegistry): Node {
  const producer = bn.inputs[0]!.producer;
  const slot = BATCH_NORM_FOLD_TARGETS[producer.op]!;
  const bnAttrs = registry.resolveAttrs(bn);
  const eps = attrFloat(bnAttrs, 'epsilon');
  const channelsOf = (name: string): Float32Array | undefined => {
    const w = bn.weights[name];
    return w ? (w.tensor.data as Float32Array) : undefined;
  };
  const mean = channelsOf('movingMean')!;
  const variance = channelsOf('movingVariance')!;
  const gamma = channelsOf('gamma');
  const beta = channelsOf('beta');
  const n = mean.length;
  const mult = new Float64Array(n);
  for (let c = 0; c < n; c++) mult[c] = (gamma ? gamma[c]! : 1) / Math.sqrt(variance[c]! + eps);

  const kernelWeight = producer.weight(slot);
  const kernel = kernelWeight.tensor;
  const axes = registry.slot(producer, slot)!.capabilities.channelAxes;
  const layout = channelLayout(kernel.shape, axes);
  const src = kernel.data as Float32Array;
  const folded = new Float32Array(src.length);
  for (let i = 0; i < src.length; i++) folded[i] = src[i]! * mult[layout.channelOf(i)]!;
  kernelWeight.tensor = tensor('float32', kernel.shape, folded);
  const cb = kernelWeight.annotations.codebook;
  if (cb) {
    const codebook = scaleCodebookPerChannel(cb, axes, mult);
    for (let i = 0; i < folded.length; i++)
      folded[i] = codebook.centroids[layout.channelOf(i) * cb.clusters + cb.indices[i]!]!;
    kernelWeight.annotations.codebook = codebook;
  }

  const attrs = registry.resolveAttrs(producer);
  const oldBias =
    attrs['useBias'] === true ? (producer.weight('bias').tensor.data as Float32Array) : undefined;
  const bias = new Float32Array(n);
  for (let c = 0; c < n; c++)
    bias[c] = ((oldBias ? oldBias[c]! : 0) - mean[c]!) * mult[c]! + (beta ? beta[c]! : 0);
  producer.attrs['useBias'] = true;
  const biasAnnotations = producer.weights['bias']?.annotations ?? {};
  delete biasAnnotations.quant;
  producer.weights['bias'] = { tensor: tensor('float32', [n], bias), annotations: biasAnnotations };
  return producer;
}

/**
 * Fold every BatchNorm that directly follows a Conv2D, DepthwiseConv2D, Dense, Conv2DTranspose or
 * SeparableConv2D (linear activation, output read only by the BatchNorm) into that layer, per output
 * channel: W' = W·γ/√(σ² + ε), b' = (b − μ)·γ/√(σ² + ε) + β. The folded layer keeps its name and
 * takes over the BatchNorm's readers and its output annotations. Masks stay valid (zeros scale to
 * zero); a codebook is scaled with its channel, so a per-tensor codebook becomes per channel
 * (still at most k values per channel). Edits `graph` in place.
 */
export function foldBatchNorm(
  graph: Graph,
  registry: OpRegistry = defaultOpRegistry,
): FoldBatchNormReport {
  const report: FoldBatchNormReport = { folded: [], skipped: [] };
  for (const bn of graph.topologicalOrder().filter((n) => n.op === 'BatchNorm')) {
    const reason = whyBatchNormNotFoldable(graph, bn, registry);
    if (reason !== undefined) {
      report.skipped.push({ batchNorm: bn.name, reason });
      continue;
    }
    const producer = foldOne(bn, registry);
    const out = producer.output;
    out.annotations = { ...bn.output.annotations };
    graph.removeNode(bn, [out]);
    report.folded.push({ batchNorm: bn.name, into: producer.name });
  }
  if (report.folded.length > 0) graph.touch();
  return report;
}
