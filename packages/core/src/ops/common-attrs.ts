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

/**
 * Kernels of conv/dense layers: prunable, clusterable and quantizable (TFMOT's registries). Conv
 * kernels are quantized and (with perChannel) clustered per output channel; Dense kernels per
 * tensor (TFLite's FULLY_CONNECTED; TFMOT's cluster_per_channel is for convolutions).
 */
export function kernelCapabilities(
  channelAxes: readonly number[],
  perChannel: boolean,
): WeightCapabilities {
  return {
    prunable: true,
    clusterable: true,
    quantizable: true,
    channelAxes,
    perChannelQuantization: perChannel,
    perChannelClustering: perChannel,
  };
}

/**
 * The depthwise kernel of SeparableConv2D: quantizable per channel only (TFMOT prunes and clusters
 * only the pointwise kernel of a separable convolution).
 */
export function separableDepthwiseCapabilities(channelAxes: readonly number[]): WeightCapabilities {
  return {
    prunable: false,
    clusterable: false,
    quantizable: true,
    channelAxes,
    perChannelQuantization: true,
  };
}

/** Activations conv/dense layers apply themselves, so an importer may fuse a following activation node. */
export const FUSABLE_ACTIVATIONS: readonly string[] = [
  'relu',
  'relu6',
  'sigmoid',
  'tanh',
  'hard_swish',
];

/** Pooling/reshaping ops whose output takes its input's quantization parameters (TFLite int8 spec). */
export const SHARES_INPUT_PARAMS = { sharedParams: 'input', keepsInputGrid: true } as const;

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
