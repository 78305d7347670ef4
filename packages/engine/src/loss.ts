import { tf } from './tf';
import { SPARSE_SOFTMAX_XENT, hasTfjsNodeKernel } from './tfjs-node-kernels';

/** Per-sample sparse categorical cross-entropy from logits. */
export function crossEntropyPerSample(
  logits: tf.Tensor,
  labels: tf.Tensor,
  numClasses: number,
): tf.Tensor {
  const logp = tf.logSoftmax(logits as tf.Tensor2D);
  return tf.neg(tf.sum(tf.mul(logp, tf.oneHot(labels as tf.Tensor1D, numClasses)), -1));
}

/**
 * Mean sparse categorical cross-entropy of a batch of logits [batch, classes] against int32
 * class ids, differentiable in the logits. On tfjs-node TensorFlow's
 * SparseSoftmaxCrossEntropyWithLogits returns the loss and its gradient (softmax − one-hot) in
 * one op; elsewhere it is composed from logSoftmax and oneHot.
 */
export function meanCrossEntropy(
  logits: tf.Tensor,
  labels: tf.Tensor,
  numClasses: number,
): tf.Scalar {
  if (!hasTfjsNodeKernel(SPARSE_SOFTMAX_XENT) || logits.rank !== 2 || labels.dtype !== 'int32')
    return tf.mean(crossEntropyPerSample(logits, labels, numClasses));
  const rows = logits.shape[0]!;
  const forward = (z: tf.Tensor, save: tf.GradSaveFunc) => {
    const [loss, backprop] = tf
      .engine()
      .runKernel(SPARSE_SOFTMAX_XENT, { logits: z, labels }, {}) as tf.Tensor[];
    save([backprop!]);
    const value = tf.mean(loss!) as tf.Scalar;
    tf.dispose([loss!, backprop!]);
    return {
      value,
      gradFunc: (dy: tf.Tensor, saved: tf.Tensor[]) => tf.mul(saved[0]!, tf.div(dy, rows)),
    };
  };
  // customGrad passes the inputs and then `save` as one variadic argument list.
  const fused = tf.customGrad(forward as unknown as Parameters<typeof tf.customGrad<tf.Scalar>>[0]);
  return fused(logits) as tf.Scalar;
}
