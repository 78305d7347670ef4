/** Element-wise activation functions known to the IR (fused `activation` attributes and Activation nodes). */
export const ACTIVATIONS = [
  'linear',
  'relu',
  'relu6',
  'leaky_relu',
  'elu',
  'sigmoid',
  'hard_sigmoid',
  'tanh',
  'softmax',
  'swish',
  'hard_swish',
  'gelu',
  'softplus',
] as const;

export type ActivationKind = (typeof ACTIVATIONS)[number];

/**
 * Default parameters: leaky_relu slope `alpha` = 0.2; elu `alpha` = 1;
 * hard_sigmoid y = clip(alpha·x + beta, 0, 1) with alpha = 1/6, beta = 0.5 (relu6(x + 3)/6, as Keras 3 and hard_swish).
 */
export const ACTIVATION_DEFAULTS: Readonly<
  Partial<Record<ActivationKind, { alpha?: number; beta?: number }>>
> = {
  leaky_relu: { alpha: 0.2 },
  elu: { alpha: 1 },
  hard_sigmoid: { alpha: 1 / 6, beta: 0.5 },
};

export function isActivationKind(x: unknown): x is ActivationKind {
  return typeof x === 'string' && (ACTIVATIONS as readonly string[]).includes(x);
}

/** Reference scalar implementation (tests, constant folding, documentation of the exact semantics). */
export function applyActivation(
  kind: ActivationKind,
  x: number,
  alpha?: number,
  beta?: number,
): number {
  const a = alpha ?? ACTIVATION_DEFAULTS[kind]?.alpha ?? 0;
  const b = beta ?? ACTIVATION_DEFAULTS[kind]?.beta ?? 0;
  switch (kind) {
    case 'linear':
    case 'softmax': // softmax is not element-wise; the identity is returned for the scalar form
      return x;
    case 'relu':
      return Math.max(0, x);
    case 'relu6':
      return Math.min(6, Math.max(0, x));
    case 'leaky_relu':
      return x >= 0 ? x : a * x;
    case 'elu':
      return x >= 0 ? x : a * (Math.exp(x) - 1);
    case 'sigmoid':
      return 1 / (1 + Math.exp(-x));
    case 'hard_sigmoid':
      return Math.min(1, Math.max(0, a * x + b));
    case 'tanh':
      return Math.tanh(x);
    case 'swish':
      return x / (1 + Math.exp(-x));
    case 'hard_swish':
      return (x * Math.min(6, Math.max(0, x + 3))) / 6;
    case 'gelu':
      return 0.5 * x * (1 + erf(x / Math.SQRT2));
    case 'softplus':
      return Math.log1p(Math.exp(-Math.abs(x))) + Math.max(x, 0);
  }
}

/** Abramowitz–Stegun 7.1.26 is too coarse for tests; use a series/continued-fraction erf accurate to ~1e-12. */
export function erf(x: number): number {
  const sign = x < 0 ? -1 : 1;
  const ax = Math.abs(x);
  if (ax < 2.5) {
    // Maclaurin series
    let sum = ax;
    let term = ax;
    const x2 = ax * ax;
    for (let n = 1; n < 60; n++) {
      term *= -x2 / n;
      const add = term / (2 * n + 1);
      sum += add;
      if (Math.abs(add) < 1e-17) break;
    }
    return (sign * 2 * sum) / Math.sqrt(Math.PI);
  }
  // Continued fraction for erfc
  let f = 0;
  for (let n = 60; n >= 1; n--) f = n / 2 / (ax + f);
  const erfc = Math.exp(-ax * ax) / Math.sqrt(Math.PI) / (ax + f);
  return sign * (1 - erfc);
}
