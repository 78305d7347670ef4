import type { AttrSpec, WeightCapabilities, WeightSlot } from '../op-registry';
import { ACTIVATIONS } from './activations';

export const ACTIVATION_ATTR: AttrSpec = {
  kind: 'enum',
  values: ACTIVATIONS,
  default: 'linear',
  description: 'fused activation applied to the output',
};
export const PADDING_ATTR: AttrSpec = { kind: 'enum', values: ['same', 'valid'], default: 'valid' };
export const PAIR_ONES: AttrSpec = { kind: 'ints', length: 2, default: [1, 1] };
export const USE_BIAS_ATTR: AttrSpec = { kind: 'bool', default: true };

/** Kernels of conv/dense layers: prunable, clusterable and quantizable (TFMOT's registries). */
export function kernelCapabilities(channelAxes: readonly number[]): WeightCapabilities {
  return { prunable: true, clusterable: true, quantizable: true, channelAxes };
}

/** Depthwise kernels: quantizable only (TFMOT leaves them unpruned and unclustered for accuracy). */
export function depthwiseCapabilities(channelAxes: readonly number[]): WeightCapabilities {
  return { prunable: false, clusterable: false, quantizable: true, channelAxes };
}

/** A bias of `size(attrs)` entries present when `useBias`; quantized to int32 by the int8 scheme. */
export function biasSlot(size: WeightSlot['shape']): WeightSlot {
  return {
    name: 'bias',
    role: 'bias',
    capabilities: { prunable: false, clusterable: false, quantizable: true, channelAxes: [0] },
    present: (attrs) => attrs['useBias'] === true,
    shape: size,
  };
}
