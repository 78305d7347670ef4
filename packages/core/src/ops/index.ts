import type { OpDef, OpRegistry } from '../op-registry';
import { conv2d, conv2dTranspose, depthwiseConv2d, separableConv2d } from './convolution';
import { dense } from './dense';
import { activation, add, dropout, mul, softmax, sub } from './elementwise';
import { batchNorm, layerNorm } from './normalization';
import { avgPool2d, globalAvgPool, globalMaxPool, maxPool2d } from './pooling';
import { concat, flatten, input, mean, pad, reshape, upsample2d } from './structural';

/** Every built-in layer op. */
export const BUILTIN_OPS: readonly OpDef[] = [
  input,
  conv2d,
  depthwiseConv2d,
  separableConv2d,
  conv2dTranspose,
  dense,
  batchNorm,
  layerNorm,
  activation,
  maxPool2d,
  avgPool2d,
  globalAvgPool,
  globalMaxPool,
  add,
  sub,
  mul,
  concat,
  reshape,
  flatten,
  pad,
  dropout,
  softmax,
  mean,
  upsample2d,
];

export function registerBuiltinOps(registry: OpRegistry): void {
  for (const op of BUILTIN_OPS) registry.register(op);
}

export {
  ACTIVATIONS,
  ACTIVATION_DEFAULTS,
  applyActivation,
  isActivationKind,
  type ActivationKind,
} from './activations';
export {
  convOutputLength,
  deconvOutputLength,
  samePadding,
  broadcastShapes,
  UNKNOWN_DIM,
  type Padding,
} from './shape-utils';
export {
  kernelCapabilities,
  biasSlot,
  FUSABLE_ACTIVATIONS,
  SHARES_INPUT_PARAMS,
} from './common-attrs';
