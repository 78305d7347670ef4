import * as tf from '@tensorflow/tfjs-core';

/**
 * Sum of the rows of x that share a segment id: out[s, ...] = Σ_{i: ids[i] = s} x[i, ...].
 * A scatter with accumulation (ScatterNd adds duplicate indices); ids outside [0, numSegments)
 * are dropped, as in TensorFlow.
 */
export function unsortedSegmentSum(
  x: tf.Tensor,
  segmentIds: tf.Tensor,
  numSegments: number,
): tf.Tensor {
  return tf.tidy(() => {
    const idRank = segmentIds.rank;
    const rest = x.shape.slice(idRank);
    const count = segmentIds.size;
    const ids = tf.reshape(tf.cast(segmentIds, 'int32'), [count]);
    const rows = tf.reshape(x, [count, ...rest]);
    // Out-of-range ids go to an extra segment that is cut off afterwards.
    const valid = tf.logicalAnd(tf.greaterEqual(ids, 0), tf.less(ids, numSegments));
    const safeIds = tf.where(valid, ids, tf.fill([count], numSegments, 'int32'));
    const out = tf.scatterND(tf.reshape(safeIds, [count, 1]), rows, [numSegments + 1, ...rest]);
    return tf.slice(out, 0, numSegments);
  });
}
