/** BatchNormalization → BatchNorm. */
import { type ImportContext, constIn, emit, valueIn } from '../context';
import { NodeReader } from '../node-reader';

export function importBatchNorm(ctx: ImportContext, r: NodeReader): void {
  const x = valueIn(ctx, r, 0);
  const rank = x.v.shape!.length;
  if (!(rank === 4 && x.layout === 'nchw') && rank !== 2)
    r.fail('only rank-4 NCHW or rank-2 inputs are supported');
  const vec = (i: number, what: string) => {
    const c = constIn(ctx, r, i, what);
    return {
      dtype: 'float32' as const,
      shape: [c.values.length],
      data: Float32Array.from(c.values),
    };
  };
  emit(
    ctx,
    r,
    'BatchNorm',
    [x.v],
    { axis: -1, epsilon: r.float('epsilon', 1e-5) },
    {
      gamma: vec(1, 'scale'),
      beta: vec(2, 'B'),
      movingMean: vec(3, 'mean'),
      movingVariance: vec(4, 'var'),
    },
    x.layout,
  );
}
