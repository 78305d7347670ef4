import {
  checkWeightContract,
  defaultOpRegistry,
  type Graph,
  type OpRegistry,
} from '@collabopt/core';
import { applyMask } from './mask';
import { selectPrunableWeights, type PruningPolicy } from './policy';
import { pruningReport, type PruningReport } from './report';
import {
  checkStructure,
  checkWeightFits,
  computeMask,
  float32Data,
  maskAnnotation,
  normalizeStructure,
  UNSTRUCTURED,
  type MaskStructure,
} from './structure';

export interface ApplyMasksOptions {
  /** Target sparsity in [0, 1) (ignored by m:n, which fixes it to m/n). */
  readonly sparsity: number;
  readonly structure?: MaskStructure;
  readonly policy?: PruningPolicy;
  readonly registry?: OpRegistry;
}

/**
 * One-shot magnitude pruning, no training and no TF.js: for every weight the policy selects,
 * compute the mask from the current values, zero the pruned elements in place and record the
 * `mask` annotation (the contract later passes must keep). Codebook or quantization annotations
 * the zeros break are removed. Returns the per-layer report.
 */
export function applyMasks(graph: Graph, options: ApplyMasksOptions): PruningReport {
  const structure = normalizeStructure(options.structure ?? UNSTRUCTURED);
  checkStructure(structure);
  const targets = selectPrunableWeights(
    graph,
    options.registry ?? defaultOpRegistry,
    options.policy,
  );
  for (const t of targets)
    checkWeightFits(t.node, t.slot, t.weight.tensor.shape, structure, options.sparsity);
  for (const { node, slot, weight, capabilities } of targets) {
    const values = float32Data(node, slot, weight);
    const { mask } = computeMask(
      values,
      weight.tensor.shape,
      capabilities,
      options.sparsity,
      structure,
    );
    weight.tensor = { ...weight.tensor, data: applyMask(values, mask) };
    weight.annotations.mask = maskAnnotation(mask, structure, options.sparsity);
    for (const kind of ['codebook', 'quant'] as const) {
      if (weight.annotations[kind] !== undefined && !checkWeightContract(weight, kind).ok)
        delete weight.annotations[kind];
    }
  }
  if (targets.length > 0) graph.touch();
  return pruningReport(graph);
}
