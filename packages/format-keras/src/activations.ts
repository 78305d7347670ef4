import { ACTIVATION_DEFAULTS, type ActivationKind } from '@collabopt/core';
import { kerasUnsupported } from './errors';
import type { JsonReader } from './json';

/** Keras generation whose semantics apply (Keras 2 / TF.js: hard_sigmoid = clip(0.2x + 0.5)). */
export type KerasGeneration = 2 | 3;

export interface ActivationSpec {
  kind: ActivationKind;
  alpha?: number;
  beta?: number;
}

const BY_NAME: Readonly<Record<string, ActivationKind>> = {
  linear: 'linear',
  relu: 'relu',
  relu6: 'relu6',
  elu: 'elu',
  sigmoid: 'sigmoid',
  tanh: 'tanh',
  softmax: 'softmax',
  swish: 'swish',
  silu: 'swish',
  hard_swish: 'hard_swish',
  hardswish: 'hard_swish',
  hard_silu: 'hard_swish',
  gelu: 'gelu',
  softplus: 'softplus',
  leaky_relu: 'leaky_relu',
  hard_sigmoid: 'hard_sigmoid',
};

/** `hardSigmoid` → `hard_sigmoid` (TF.js writes camelCase in places). */
function snake(name: string): string {
  return name.replace(/([a-z0-9])([A-Z])/g, '$1_$2').toLowerCase();
}

/** Name of a Keras activation given as a string, null, or a Keras 3 serialized function object. */
export function activationName(r: JsonReader): string {
  if (r.isNull()) return 'linear';
  if (r.isObject()) {
    const cfg = r.get('config');
    if (!cfg.isNull() && typeof cfg.value === 'string') return snake(cfg.string());
    return snake(r.get('class_name').string());
  }
  return snake(r.string());
}

/** Map a Keras activation to the IR's activation kind with its parameters. */
export function readActivation(
  r: JsonReader,
  generation: KerasGeneration,
  layer: string,
): ActivationSpec {
  const name = activationName(r);
  const kind = BY_NAME[name];
  if (kind === undefined) {
    throw kerasUnsupported(
      `activation "${name}" of layer "${layer}" has no IR equivalent (supported: ${Object.keys(BY_NAME).join(', ')})`,
      { node: layer, field: 'activation' },
    );
  }
  if (kind === 'hard_sigmoid' && generation === 2) return { kind, alpha: 0.2, beta: 0.5 };
  return { kind };
}

/**
 * A fused activation: the IR kind for the layer's `activation` attribute, or — when its Keras
 * parameters differ from the IR's fused defaults (Keras 2 hard_sigmoid) — `linear` plus the
 * activation to apply as a separate node after the layer.
 */
export function readFusedActivation(
  r: JsonReader,
  generation: KerasGeneration,
  layer: string,
): { activation: ActivationKind; split?: ActivationSpec } {
  const spec = readActivation(r, generation, layer);
  const defaults = ACTIVATION_DEFAULTS[spec.kind];
  if (
    (spec.alpha !== undefined && spec.alpha !== defaults?.alpha) ||
    (spec.beta !== undefined && spec.beta !== defaults?.beta)
  ) {
    return { activation: 'linear', split: spec };
  }
  return { activation: spec.kind };
}

/** TF.js activation identifier for an IR activation, or undefined when TF.js has none. */
export function tfjsActivationName(spec: ActivationSpec): string | undefined {
  const d = ACTIVATION_DEFAULTS[spec.kind];
  const alpha = spec.alpha ?? d?.alpha;
  const beta = spec.beta ?? d?.beta;
  switch (spec.kind) {
    case 'linear':
    case 'relu':
    case 'relu6':
    case 'sigmoid':
    case 'tanh':
    case 'softmax':
    case 'swish':
    case 'gelu':
    case 'softplus':
      return spec.kind;
    case 'elu':
      return alpha === 1 ? 'elu' : undefined;
    case 'hard_sigmoid':
      return alpha === 0.2 && beta === 0.5 ? 'hard_sigmoid' : undefined;
    default:
      return undefined;
  }
}
