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

/**
 * Mean softmax cross-entropy of logits [..., classes] against target distributions of the same
 * shape (one-hot or soft labels): mean over rows of −Σ t·log softmax(z).
 */
export function softmaxCrossEntropyWithTargets(logits: tf.Tensor, targets: tf.Tensor): tf.Scalar {
  return tf.mean(tf.neg(tf.sum(tf.mul(targets, tf.logSoftmax(logits)), -1))) as tf.Scalar;
}

/**
 * Mean sigmoid binary cross-entropy (multi-label) from logits, in the stable form
 * max(z, 0) − z·t + log(1 + e^−|z|), averaged over every element.
 */
export function sigmoidCrossEntropyFromLogits(logits: tf.Tensor, targets: tf.Tensor): tf.Scalar {
  return tf.mean(
    tf.add(
      tf.sub(tf.relu(logits), tf.mul(logits, targets)),
      tf.log1p(tf.exp(tf.neg(tf.abs(logits)))),
    ),
  ) as tf.Scalar;
}

/** Probabilities are clipped to [ε, 1 − ε] before their logarithm. */
export const PROBABILITY_EPSILON = 1e-7;

/**
 * Mean binary cross-entropy of probabilities (a sigmoid head's output) against 0/1 targets:
 * −mean(t·log p + (1 − t)·log(1 − p)), with p clipped to [ε, 1 − ε].
 */
export function binaryCrossEntropyFromProbabilities(
  probabilities: tf.Tensor,
  targets: tf.Tensor,
): tf.Scalar {
  const p = tf.clipByValue(probabilities, PROBABILITY_EPSILON, 1 - PROBABILITY_EPSILON);
  return tf.neg(
    tf.mean(tf.add(tf.mul(targets, tf.log(p)), tf.mul(tf.sub(1, targets), tf.log(tf.sub(1, p))))),
  ) as tf.Scalar;
}

/** Mean squared error over every element. */
export function meanSquaredError(predictions: tf.Tensor, targets: tf.Tensor): tf.Scalar {
  return tf.mean(tf.squaredDifference(predictions, targets)) as tf.Scalar;
}

/**
 * Knowledge distillation on a classifier output (Hinton et al.): T² · mean over rows of
 * KL(softmax(t/T) ‖ softmax(s/T)), where s and t are the student's and the teacher's logits along
 * the last axis. Log-probabilities work as logits too (softmax ignores a per-row shift), so a
 * softmax output can be distilled from log(p).
 */
export function distillationKl(
  studentLogits: tf.Tensor,
  teacherLogits: tf.Tensor,
  temperature = 1,
): tf.Scalar {
  const t = tf.logSoftmax(tf.div(teacherLogits, temperature));
  const s = tf.logSoftmax(tf.div(studentLogits, temperature));
  const kl = tf.sum(tf.mul(tf.exp(t), tf.sub(t, s)), -1);
  return tf.mul(tf.mean(kl), temperature * temperature) as tf.Scalar;
}

/** Log of probabilities clipped to [ε, 1] (pseudo-logits of a softmax output). */
export function logProbabilities(probabilities: tf.Tensor): tf.Tensor {
  return tf.log(tf.clipByValue(probabilities, PROBABILITY_EPSILON, 1));
}
