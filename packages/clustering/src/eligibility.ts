import { channelLayout, sizeOf, type Weight, type WeightCapabilities } from '@collabopt/core';

/**
 * Whether `perChannel` gives this weight one codebook per output channel: the op registry says so
 * per weight slot (`perChannelClustering`: conv and depthwise kernels do; Dense kernels keep one
 * codebook, as TFMOT's `cluster_per_channel` applies to convolutions).
 */
export function clustersPerChannel(capabilities: WeightCapabilities, perChannel: boolean): boolean {
  return perChannel && capabilities.perChannelClustering === true;
}

/** Why a weight is or is not clustered. */
export type Eligibility =
  | { readonly ok: true }
  | {
      readonly ok: false;
      readonly reason: 'not-clusterable' | 'not-float32' | 'not-enough-weights';
      readonly message: string;
    };

/**
 * TFMOT's guard (tfmot-spec §2.1): a weight with no more elements than clusters (per channel when
 * clustering per channel) is left unclustered — clustering could not reduce it. Applied to every
 * clusterable weight here, not only Conv2D, and always reported by the pass.
 */
export function clusterEligibility(
  weight: Weight,
  capabilities: WeightCapabilities,
  clusters: number,
  perChannel: boolean,
): Eligibility {
  if (!capabilities.clusterable)
    return {
      ok: false,
      reason: 'not-clusterable',
      message: 'the op does not declare this weight clusterable',
    };
  if (weight.tensor.dtype !== 'float32') {
    return {
      ok: false,
      reason: 'not-float32',
      message: `weight is ${weight.tensor.dtype}; clustering works on float32 weights`,
    };
  }
  const size = sizeOf(weight.tensor.shape);
  perChannel = clustersPerChannel(capabilities, perChannel);
  const channels = perChannel
    ? channelLayout(weight.tensor.shape, capabilities.channelAxes).count
    : 1;
  const perRow = size / channels;
  if (perRow <= clusters) {
    return {
      ok: false,
      reason: 'not-enough-weights',
      message: `${perRow} weight(s)${perChannel ? ' per channel' : ''} for ${clusters} clusters: left unclustered (TFMOT's "not enough weights" guard)`,
    };
  }
  return { ok: true };
}
