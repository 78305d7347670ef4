import { tf, type WeightTarget, type WeightTransform } from './engine-api';

/**
 * A `mask`-stage weight transform that keeps the pruned zeros of weights sparsity-preserving
 * clustering trains but does not cluster (left out by `layers=`, or by TFMOT's "not enough
 * weights" guard, e.g. a 3×3×1 conv kernel per channel with 16 clusters). Fine-tuning trains every
 * weight of the model; without this the masked zeros of such a weight took gradient updates and
 * the mask contract broke. The effective weight is `w · mask` (pruned elements exactly 0, their
 * gradient 0); nothing new is pruned and the mask annotation is left as it is.
 */
export function keepPrunedZerosTransform(
  applies: (target: WeightTarget) => boolean,
): WeightTransform {
  return {
    name: 'sparsityPreservingCluster (unclustered masked weights)',
    stage: 'mask',
    appliesTo: (target) => target.weight.annotations.mask !== undefined && applies(target),
    create(target) {
      const mask = target.weight.annotations.mask!.mask;
      const keep = tf.tensor(Float32Array.from(mask), [...target.weight.tensor.shape]);
      return {
        forward: (w) => tf.mul(w, keep),
        strip: () => {},
        dispose: () => keep.dispose(),
      };
    },
  };
}
