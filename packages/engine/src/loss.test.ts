import { activateBackend } from './backend';
import { tf } from './tf';
import {
  binaryCrossEntropyFromProbabilities,
  crossEntropyPerSample,
  distillationKl,
  logProbabilities,
  meanCrossEntropy,
  meanSquaredError,
  sigmoidCrossEntropyFromLogits,
  softmaxCrossEntropyWithTargets,
} from './loss';

beforeAll(async () => {
  await activateBackend('cpu');
});

const value = (t: tf.Tensor): number => t.dataSync()[0]!;
const LN3 = Math.log(3);

// Logits [0, ln 3] give softmax [1/4, 3/4] and sigmoids [1/2, 3/4]: every value below follows.
describe('label losses (hand-computed)', () => {
  test('softmax cross-entropy: integer labels and one-hot targets agree, −ln(3/4)', () => {
    const z = tf.tensor2d([[0, LN3]]);
    expect(value(meanCrossEntropy(z, tf.tensor1d([1], 'int32'), 2))).toBeCloseTo(0.287682, 5);
    expect(value(crossEntropyPerSample(z, tf.tensor1d([1], 'int32'), 2))).toBeCloseTo(0.287682, 5);
    expect(value(softmaxCrossEntropyWithTargets(z, tf.tensor2d([[0, 1]])))).toBeCloseTo(
      0.287682,
      5,
    );
  });

  test('softmax cross-entropy with soft targets [1/2, 1/2]: −(ln ¼ + ln ¾)/2', () => {
    const z = tf.tensor2d([[0, LN3]]);
    expect(value(softmaxCrossEntropyWithTargets(z, tf.tensor2d([[0.5, 0.5]])))).toBeCloseTo(
      0.836988,
      5,
    );
  });

  test('softmax cross-entropy averages over rows', () => {
    const z = tf.tensor2d([
      [0, LN3],
      [0, 0],
    ]);
    // (−ln ¾ − ln ½) / 2
    expect(
      value(
        softmaxCrossEntropyWithTargets(
          z,
          tf.tensor2d([
            [0, 1],
            [1, 0],
          ]),
        ),
      ),
    ).toBeCloseTo((0.287682 + Math.LN2) / 2, 5);
  });

  test('sigmoid binary cross-entropy from logits and from probabilities: (ln 2 + ln 4)/2', () => {
    const t = tf.tensor1d([1, 0]);
    expect(value(sigmoidCrossEntropyFromLogits(tf.tensor1d([0, LN3]), t))).toBeCloseTo(1.039721, 5);
    expect(value(binaryCrossEntropyFromProbabilities(tf.tensor1d([0.5, 0.75]), t))).toBeCloseTo(
      1.039721,
      5,
    );
  });

  test('sigmoid cross-entropy stays finite for large logits', () => {
    const v = value(sigmoidCrossEntropyFromLogits(tf.tensor1d([100, -100]), tf.tensor1d([0, 1])));
    expect(v).toBeCloseTo(100, 3);
  });

  test('binary cross-entropy clips probabilities 0 and 1 (−ln ε)', () => {
    const v = value(binaryCrossEntropyFromProbabilities(tf.tensor1d([0]), tf.tensor1d([1])));
    expect(v).toBeCloseTo(-Math.log(1e-7), 2);
  });

  test('mean squared error: ((1−1)² + (2−0)² + (3−0)²)/3', () => {
    expect(value(meanSquaredError(tf.tensor1d([1, 2, 3]), tf.tensor1d([1, 0, 0])))).toBeCloseTo(
      13 / 3,
      5,
    );
  });
});

describe('distillation', () => {
  test('KL(teacher [¼, ¾] ‖ student [½, ½]) = ¼ ln ½ + ¾ ln 3/2', () => {
    const v = value(distillationKl(tf.tensor2d([[0, 0]]), tf.tensor2d([[0, LN3]])));
    expect(v).toBeCloseTo(0.130812, 5);
  });

  test('temperature 2 softens the teacher to [1/(1+√3), √3/(1+√3)] and scales by T² = 4', () => {
    const v = value(distillationKl(tf.tensor2d([[0, 0]]), tf.tensor2d([[0, LN3]]), 2));
    expect(v).toBeCloseTo(0.145363, 5);
  });

  test('is zero for identical logits, and for logits that differ by a per-row shift', () => {
    expect(value(distillationKl(tf.tensor2d([[1, 2, 3]]), tf.tensor2d([[1, 2, 3]])))).toBeCloseTo(
      0,
      6,
    );
    expect(value(distillationKl(tf.tensor2d([[6, 7, 8]]), tf.tensor2d([[1, 2, 3]])))).toBeCloseTo(
      0,
      6,
    );
  });

  test('log-probabilities of a softmax output distil like its logits', () => {
    const p = tf.tensor2d([[0.25, 0.75]]);
    const v = value(distillationKl(tf.tensor2d([[0, 0]]), logProbabilities(p)));
    expect(v).toBeCloseTo(0.130812, 5);
  });

  test('the KL gradient w.r.t. the student logits is (softmax(s) − softmax(t)) / rows', () => {
    const t = tf.tensor2d([[0, LN3]]);
    const g = tf.grad((s: tf.Tensor) => distillationKl(s, t))(tf.tensor2d([[0, 0]]));
    const d = Array.from(g.dataSync());
    expect(d[0]).toBeCloseTo(0.5 - 0.25, 5);
    expect(d[1]).toBeCloseTo(0.5 - 0.75, 5);
  });
});
