import { GraphBuilder, GraphError, type Node } from '@collabopt/core';
import { activateBackend, tf } from './index';
import { applyMovingAverages } from './moving-averages';

beforeAll(async () => {
  await activateBackend('cpu');
});

function nodes(): Node[] {
  const b = new GraphBuilder('g', { seed: 1 });
  const x = b.input('x', [-1, 2]);
  const g = b.build(b.layer('BatchNorm', 'bn2', b.layer('BatchNorm', 'bn1', x, {}), {}));
  return [g.node('bn1'), g.node('bn2')];
}

describe('applyMovingAverages', () => {
  test('momentum · state + (1 − momentum) · batch per state, in its shape (hand-computed)', () => {
    const [bn1, bn2] = nodes();
    const got: Record<string, { shape: number[]; values: number[] }> = {};
    const start = tf.memory().numTensors;
    tf.tidy(() => {
      applyMovingAverages(
        [
          // two at momentum 0.5 (one flat buffer), a rank-2 state among them, one at 0.75
          {
            node: bn1!,
            slot: 'movingMean',
            state: tf.tensor1d([2, 4]),
            batch: tf.tensor1d([4, 0]),
            momentum: 0.5,
          },
          {
            node: bn1!,
            slot: 'movingVariance',
            state: tf.tensor2d([1, 3, 5], [1, 3]),
            batch: tf.tensor1d([3, 1, 1]),
            momentum: 0.5,
          },
          {
            node: bn2!,
            slot: 'movingMean',
            state: tf.tensor1d([8]),
            batch: tf.tensor1d([0]),
            momentum: 0.75,
          },
        ],
        (node, slot, value) => {
          got[`${node.name}/${slot}`] = {
            shape: value.shape,
            values: Array.from(value.dataSync()),
          };
        },
      );
    });
    expect(got).toEqual({
      'bn1/movingMean': { shape: [2], values: [3, 2] },
      'bn1/movingVariance': { shape: [1, 3], values: [2, 2, 3] },
      'bn2/movingMean': { shape: [1], values: [6] },
    });
    expect(tf.memory().numTensors).toBe(start);
  });

  test('a batch statistic of another size is a GraphError naming the node and slot', () => {
    const [bn1] = nodes();
    tf.tidy(() => {
      expect(() =>
        applyMovingAverages(
          [
            {
              node: bn1!,
              slot: 'movingMean',
              state: tf.tensor1d([1, 2]),
              batch: tf.tensor1d([1]),
              momentum: 0.9,
            },
          ],
          () => undefined,
        ),
      ).toThrow(GraphError);
    });
  });
});
