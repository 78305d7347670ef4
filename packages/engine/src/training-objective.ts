import {
  binaryCrossEntropyFromProbabilities,
  distillationKl,
  logProbabilities,
  meanCrossEntropy,
  meanSquaredError,
  sigmoidCrossEntropyFromLogits,
  softmaxCrossEntropyWithTargets,
} from './loss';
import { tf } from './tf';
import type { OutputHead, ResolvedTrainingLoss } from './training-loss';

/** The labels of one batch as tensors. */
export interface BatchLabels {
  /** int32 class ids [batch]. */
  readonly classes?: tf.Tensor;
  /** Dense targets, shaped like the output. */
  readonly targets?: tf.Tensor;
}

/**
 * The loss of one training step over the graph's outputs: the label loss on the single output
 * and distillation from the teacher's outputs (KL on softmax heads, MSE on the others, averaged
 * over outputs), mixed by the resolved weights. `logits`: the outputs were computed in logits mode
 * (a single output whose softmax is skipped), as `CompiledGraph.run({ logits: true })` returns.
 */
export class TrainingObjective {
  constructor(
    readonly loss: ResolvedTrainingLoss,
    readonly heads: readonly OutputHead[],
    readonly logits: boolean,
    /** Classes of the single output (class labels). */
    readonly numClasses?: number,
  ) {}

  /** An output as the model gives it (probabilities for a softmax head computed as logits). */
  output(outputs: readonly tf.Tensor[], i: number): tf.Tensor {
    const o = outputs[i]!;
    return this.logits && this.heads[i] === 'softmax' ? tf.softmax(o) : o;
  }

  /** Logits (or log-probabilities) of a softmax-head output. */
  private logitsOf(outputs: readonly tf.Tensor[], i: number): tf.Tensor {
    return this.logits ? outputs[i]! : logProbabilities(outputs[i]!);
  }

  /** The label loss of the single output (differentiable). */
  labelLoss(outputs: readonly tf.Tensor[], labels: BatchLabels): tf.Scalar {
    const head = this.heads[0]!;
    const out = outputs[0]!;
    const targets =
      labels.targets !== undefined ? tf.reshape(labels.targets, out.shape) : undefined;
    switch (this.loss.labelLoss) {
      case 'softmaxCrossEntropy': {
        const z = head === 'softmax' || this.logits ? this.logitsOf(outputs, 0) : out;
        if (labels.classes !== undefined)
          return meanCrossEntropy(z, labels.classes, this.numClasses ?? out.shape[out.rank - 1]!);
        return softmaxCrossEntropyWithTargets(z, targets!);
      }
      case 'sigmoidCrossEntropy':
        return head === 'sigmoid'
          ? binaryCrossEntropyFromProbabilities(out, targets!)
          : sigmoidCrossEntropyFromLogits(out, targets!);
      default:
        return meanSquaredError(this.output(outputs, 0), targets!);
    }
  }

  /** Distillation from the teacher's outputs, averaged over the outputs. */
  distillLoss(outputs: readonly tf.Tensor[], teacher: readonly tf.Tensor[]): tf.Scalar {
    const terms = this.heads.map((head, i) =>
      head === 'softmax'
        ? distillationKl(
            this.logitsOf(outputs, i),
            this.logitsOf(teacher, i),
            this.loss.temperature,
          )
        : meanSquaredError(outputs[i]!, teacher[i]!),
    );
    return tf.div(tf.addN(terms), terms.length) as tf.Scalar;
  }

  /** The mixed loss of a step. */
  compute(
    outputs: readonly tf.Tensor[],
    teacher: readonly tf.Tensor[] | undefined,
    labels: BatchLabels,
  ): tf.Scalar {
    const { labelWeight, distillWeight } = this.loss;
    if (distillWeight === 0) return this.labelLoss(outputs, labels);
    const d = this.distillLoss(outputs, teacher!);
    if (labelWeight === 0) return d;
    return tf.add(
      tf.mul(this.labelLoss(outputs, labels), labelWeight),
      tf.mul(d, distillWeight),
    ) as tf.Scalar;
  }
}
