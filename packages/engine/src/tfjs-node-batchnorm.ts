import { tf } from './tf';
import { BATCH_NORM_TRAINING, BATCH_NORM_TRAINING_GRAD } from './wasm-kernels';
import {
  BACKEND,
  hasTfjsNodeKernel,
  nhwc,
  typeAttr,
  type NodeBackend,
  type OpAttr,
} from './tfjs-node-backend';

/**
 * Training-mode batch normalization on tfjs-node as TensorFlow's FusedBatchNormV3 (forward: output,
 * batch mean and variance in one op) and FusedBatchNormGradV3 (backward: input, scale and offset
 * gradients, through the batch statistics, in one op), instead of ~12 TF.js ops forward and ~25
 * backward. The wasm backend registers its own kernels under the same names
 * (src/wasm-kernels/batch-norm.ts). Channels-last only; other backends and layouts keep the
 * composed version.
 */
export { BATCH_NORM_TRAINING, BATCH_NORM_TRAINING_GRAD };

function attrs(b: NodeBackend, epsilon: number): OpAttr[] {
  return [
    typeAttr(b, 'T', 'float32'),
    typeAttr(b, 'U', 'float32'),
    { name: 'epsilon', type: b.binding.TF_ATTR_FLOAT, value: epsilon },
    nhwc(b),
    { name: 'is_training', type: b.binding.TF_ATTR_BOOL, value: true },
  ];
}

let registered = false;

/** Register the kernels for the `tensorflow` backend (once; call after tfjs-node loaded). */
export function registerTfjsNodeBatchNorm(): void {
  if (registered) return;
  registered = true;
  tf.registerKernel({
    kernelName: BATCH_NORM_TRAINING,
    backendName: BACKEND,
    kernelFunc: ({ inputs, backend, attrs: a }) => {
      const b = backend as unknown as NodeBackend;
      const { x, scale, offset } = inputs as Record<string, tf.TensorInfo>;
      const epsilon = (a as unknown as { epsilon: number }).epsilon;
      // Training mode ignores the population statistics inputs: empty tensors.
      const empty = tf.tensor1d([]);
      try {
        // [y, batch mean, corrected batch variance, saved mean, saved (biased) variance, reserve]
        return b.executeMultipleOutputs(
          'FusedBatchNormV3',
          [
            ...attrs(b, epsilon),
            { name: 'exponential_avg_factor', type: b.binding.TF_ATTR_FLOAT, value: 1 },
          ],
          [x!, scale!, offset!, empty, empty],
          6,
        );
      } finally {
        empty.dispose();
      }
    },
  });
  tf.registerKernel({
    kernelName: BATCH_NORM_TRAINING_GRAD,
    backendName: BACKEND,
    kernelFunc: ({ inputs, backend, attrs: a }) => {
      const b = backend as unknown as NodeBackend;
      const { dy, x, scale, mean, variance, reserve } = inputs as Record<string, tf.TensorInfo>;
      const epsilon = (a as unknown as { epsilon: number }).epsilon;
      const [dx, dscale, doffset, ...rest] = b.executeMultipleOutputs(
        'FusedBatchNormGradV3',
        attrs(b, epsilon),
        [dy!, x!, scale!, mean!, variance!, reserve!],
        5,
      );
      tf.dispose(rest);
      return [dx!, dscale!, doffset!];
    },
  });
}

export interface BatchNormTrainingResult {
  readonly y: tf.Tensor;
  /** Batch mean and biased batch variance per channel (for the moving statistics). */
  readonly mean: tf.Tensor;
  readonly variance: tf.Tensor;
}

/**
 * y = (x − mean) / √(variance + ε) · gamma + beta with the batch statistics over all axes but the
 * last, differentiable in x, gamma and beta; undefined where the fused kernel does not apply (use
 * the composed version then). Ranks 2 and 4.
 */
export function batchNormTraining(
  x: tf.Tensor,
  gamma: tf.Tensor | undefined,
  beta: tf.Tensor | undefined,
  epsilon: number,
): BatchNormTrainingResult | undefined {
  if (!hasTfjsNodeKernel(BATCH_NORM_TRAINING) || x.dtype !== 'float32') return undefined;
  if (x.rank !== 4 && x.rank !== 2) return undefined;
  const channels = x.shape[x.rank - 1]!;
  const attrMap = { epsilon } as unknown as tf.NamedAttrMap;
  let stats: { mean: tf.Tensor; variance: tf.Tensor } | undefined;
  const forward = (
    input: tf.Tensor,
    scale: tf.Tensor,
    offset: tf.Tensor,
    save: tf.GradSaveFunc,
  ): { value: tf.Tensor; gradFunc: (dy: tf.Tensor, saved: tf.Tensor[]) => tf.Tensor[] } => {
    const x4 = input.rank === 4 ? input : tf.reshape(input, [input.shape[0]!, 1, 1, channels]);
    const [y, , , mean, variance, reserve] = tf
      .engine()
      .runKernel(BATCH_NORM_TRAINING, { x: x4, scale, offset }, attrMap) as tf.Tensor[];
    save([x4, scale, mean!, variance!, reserve!]);
    // customGrad disposes what its forward creates: keep the statistics past it (handed to the
    // caller's scope below).
    stats = { mean: tf.keep(mean!), variance: tf.keep(variance!) };
    return {
      value: input.rank === 4 ? y! : tf.reshape(y!, input.shape),
      gradFunc: (dy, saved) => {
        const [sx, sscale, smean, svariance, sreserve] = saved as [
          tf.Tensor,
          tf.Tensor,
          tf.Tensor,
          tf.Tensor,
          tf.Tensor,
        ];
        const dy4 = dy.rank === 4 ? dy : tf.reshape(dy, sx.shape);
        const [dx, dscale, doffset] = tf
          .engine()
          .runKernel(
            BATCH_NORM_TRAINING_GRAD,
            { dy: dy4, x: sx, scale: sscale, mean: smean, variance: svariance, reserve: sreserve },
            attrMap,
          ) as tf.Tensor[];
        return [dy.rank === 4 ? dx! : tf.reshape(dx!, dy.shape), dscale!, doffset!];
      },
    };
  };
  // customGrad passes the inputs and then `save` as one variadic argument list.
  const normalize = tf.customGrad(
    forward as unknown as Parameters<typeof tf.customGrad<tf.Tensor>>[0],
  );
  const y = normalize(x, gamma ?? tf.ones([channels]), beta ?? tf.zeros([channels]));
  const kept = stats!;
  const result = { y, mean: tf.clone(kept.mean), variance: tf.clone(kept.variance) };
  tf.dispose([kept.mean, kept.variance]);
  return result;
}
