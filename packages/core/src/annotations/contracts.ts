import type { Weight } from '../graph';
import type { Value } from '../graph';
import {
  checkCodebook,
  checkMask,
  checkQuantParams,
  checkWeightQuant,
  type ContractCheck,
} from './checks';
import type { ValueAnnotationKind, WeightAnnotationKind } from './types';

/** Check that a weight still satisfies its annotation of the given kind (ok when it has none). */
export function checkWeightContract(weight: Weight, kind: WeightAnnotationKind): ContractCheck {
  const a = weight.annotations;
  switch (kind) {
    case 'mask':
      return a.mask ? checkMask(weight.tensor, a.mask) : { ok: true };
    case 'codebook':
      return a.codebook ? checkCodebook(weight.tensor, a.codebook) : { ok: true };
    case 'quant': {
      if (!a.quant) return { ok: true };
      const p = checkQuantParams(a.quant);
      return p.ok ? checkWeightQuant(weight.tensor, a.quant) : p;
    }
  }
}

/** Value annotations carry no data to check against; their parameters must be well formed. */
export function checkValueContract(value: Value, kind: ValueAnnotationKind): ContractCheck {
  if (kind === 'range') {
    const r = value.annotations.range;
    if (!r) return { ok: true };
    return Number.isFinite(r.min) && Number.isFinite(r.max) && r.min <= r.max
      ? { ok: true }
      : { ok: false, index: -1, message: `range [${r.min}, ${r.max}] is not a finite interval` };
  }
  const q = value.annotations.quant;
  return q ? checkQuantParams(q) : { ok: true };
}

export const WEIGHT_ANNOTATION_KINDS: readonly WeightAnnotationKind[] = [
  'mask',
  'codebook',
  'quant',
];
export const VALUE_ANNOTATION_KINDS: readonly ValueAnnotationKind[] = ['range', 'quant'];

/** What each annotation means, for warnings and reports. */
export const ANNOTATION_MEANING: Readonly<Record<WeightAnnotationKind | 'range', string>> = {
  mask: 'sparsity',
  codebook: 'cluster structure',
  quant: 'quantization grid',
  range: 'activation ranges',
};
