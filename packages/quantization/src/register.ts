import { defaultPassRegistry, type PassRegistry } from '@collabopt/core';
import { foldBatchNormPass } from './fold-batch-norm-pass';
import { ptq } from './ptq';
import { qat } from './qat';

/** The passes this package contributes to text pipelines. */
export const quantizationPasses = [foldBatchNormPass, ptq, qat] as const;

/** Register `qat`, `ptq` and `foldBatchNorm` (idempotent per registry). */
export function registerQuantizationPasses(registry: PassRegistry = defaultPassRegistry): void {
  for (const def of quantizationPasses) if (!registry.has(def.name)) registry.register(def);
}
