import { defaultPassRegistry, type PassRegistry } from '@collabopt/core';
import { cqat, pcqat, pqat } from './collaborative-qat';

/** The collaborative QAT passes of the deployment tree. */
export const preservePasses = [pqat, cqat, pcqat] as const;

/** Register pqat, cqat and pcqat (family 'qat', the preserving alternatives to plain qat). */
export function registerPreservePasses(registry: PassRegistry = defaultPassRegistry): void {
  for (const def of preservePasses) if (!registry.has(def.name)) registry.register(def);
}
