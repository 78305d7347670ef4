import { defaultPassRegistry, type PassRegistry } from '@collabopt/core';
import { QAT_OPTIONS, type QatOptions } from '@collabopt/quantization';
import {
  collaborativeVariant,
  createCollaborativeQatPass,
  type Preservation,
} from './collaborative-qat';

/** The collaborative QAT variants of the deployment tree. */
export const COLLABORATIVE_QAT: readonly {
  name: string;
  description: string;
  keeps: Preservation;
}[] = [
  {
    name: 'pqat',
    description: 'prune-preserving QAT: int8 fake-quant training that keeps the pruned zeros',
    keeps: { sparsity: true, clusters: false },
  },
  {
    name: 'cqat',
    description:
      'cluster-preserving QAT: int8 fake-quant training that keeps ≤ k values per codebook',
    keeps: { sparsity: false, clusters: true },
  },
  {
    name: 'pcqat',
    description:
      'sparsity- and cluster-preserving QAT: keeps the zeros and the clusters (fully optimized leaf)',
    keeps: { sparsity: true, clusters: true },
  },
];

/** Register pqat, cqat and pcqat (family 'qat', the preserving alternatives to plain qat). */
export function registerPreservePasses(registry: PassRegistry = defaultPassRegistry): void {
  for (const v of COLLABORATIVE_QAT) {
    if (registry.has(v.name)) continue;
    registry.register<Partial<QatOptions>>({
      name: v.name,
      description: v.description,
      family: 'qat',
      options: QAT_OPTIONS,
      preserves: collaborativeVariant(v.name, v.keeps).preserves,
      drops: collaborativeVariant(v.name, v.keeps).drops,
      create: (o) => createCollaborativeQatPass(v.name, v.keeps, o),
    });
  }
}
