import {
  ACTIVATION_DEFAULTS,
  AttributeError,
  isActivationKind,
  type ActivationKind,
} from '@collabopt/core';
import { tf } from './tf';

/** Apply an IR activation (core's `applyActivation` semantics, including alpha/beta defaults). */
export function activate(
  x: tf.Tensor,
  kind: ActivationKind,
  alpha?: number | null,
  beta?: number | null,
): tf.Tensor {
  const a = alpha ?? ACTIVATION_DEFAULTS[kind]?.alpha ?? 0;
  const b = beta ?? ACTIVATION_DEFAULTS[kind]?.beta ?? 0;
  switch (kind) {
    case 'linear':
      return x;
    case 'relu':
      return tf.relu(x);
    case 'relu6':
      return tf.relu6(x);
    case 'leaky_relu':
      return tf.leakyRelu(x, a);
    case 'elu':
      return a === 1 ? tf.elu(x) : tf.where(tf.greaterEqual(x, 0), x, tf.mul(tf.expm1(x), a));
    case 'sigmoid':
      return tf.sigmoid(x);
    case 'hard_sigmoid':
      return tf.clipByValue(tf.add(tf.mul(x, a), b), 0, 1);
    case 'tanh':
      return tf.tanh(x);
    case 'softmax':
      return softmaxAlong(x, -1);
    case 'swish':
      return tf.mul(x, tf.sigmoid(x));
    case 'hard_swish':
      return tf.mul(x, tf.div(tf.relu6(tf.add(x, 3)), 6));
    case 'gelu':
      return tf.mul(tf.mul(x, 0.5), tf.add(tf.erf(tf.mul(x, Math.SQRT1_2)), 1));
    case 'softplus':
      return tf.softplus(x);
  }
}

/** Read a fused/explicit activation attribute, rejecting unknown names with a typed error. */
export function activationKind(value: unknown, node: string): ActivationKind {
  if (!isActivationKind(value))
    throw new AttributeError(`unknown activation ${JSON.stringify(value)}`, {
      node,
      field: 'activation',
    });
  return value;
}

/** Softmax along any axis (stable: subtracts the max). */
export function softmaxAlong(x: tf.Tensor, axis: number): tf.Tensor {
  const ax = axis < 0 ? axis + x.rank : axis;
  if (ax === x.rank - 1) return tf.softmax(x);
  const shifted = tf.sub(x, tf.max(x, ax, true));
  const e = tf.exp(shifted);
  return tf.div(e, tf.sum(e, ax, true));
}
