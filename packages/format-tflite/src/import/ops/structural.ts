import { tensor } from '@collabopt/core';
import type { TflOperator } from '../../schema/model-types';
import type { ImportContext } from '../context';
import { inputAt, opt, outputAt, withActivation } from './common';

/** RESHAPE → Reshape to the output's declared per-example shape (the batch must stay first). */
export function importReshape(op: TflOperator, ctx: ImportContext): void {
  const x = ctx.value(inputAt(op, 0, ctx));
  const out = outputAt(op, ctx);
  const declared = ctx.tensor(out).shape;
  if (declared.length < 1) throw ctx.unsupported('reshape to a scalar');
  const inBatch = ctx.tensor(inputAt(op, 0, ctx)).shape[0];
  if (declared[0] !== inBatch)
    throw ctx.unsupported(`reshape changes the batch dimension (${inBatch} → ${declared[0]})`);
  ctx.layer('Reshape', [x], { targetShape: declared.slice(1) }, {}, out);
}

/** CONCATENATION → Concat (+ Activation for a fused one). */
export function importConcat(op: TflOperator, ctx: ImportContext): void {
  const xs = op.inputs.map((_, i) => ctx.value(inputAt(op, i, ctx)));
  const rank = xs[0]?.shape?.length ?? 0;
  const a = opt(op, 'axis', 0);
  const axis = a < 0 ? a + rank : a;
  if (axis <= 0 || axis >= rank) throw ctx.unsupported(`concatenation axis ${a}`);
  const out = outputAt(op, ctx);
  withActivation(
    ctx,
    op,
    (act) =>
      act === 'linear'
        ? ctx.layer('Concat', xs, { axis }, {}, out)
        : ctx.extraLayer('Concat', xs, { axis }, `${ctx.tensor(out).name}_concat`),
    out,
  );
}

/**
 * PAD / PADV2 with constant paddings [rank, 2]. Spatial padding → Pad. Zero padding of the channel
 * axis (BlazeFace-style residual widening) has no IR op: it becomes an exact 1×1 Conv2D whose
 * kernel copies the input channels and leaves the new ones zero.
 */
export function importPad(op: TflOperator, ctx: ImportContext): void {
  const x = ctx.value(inputAt(op, 0, ctx));
  const p = ctx.constant(inputAt(op, 1, ctx)).ints ?? new Int32Array();
  const rank = x.shape?.length ?? 0;
  if (rank !== 4 || p.length !== 8)
    throw ctx.unsupported(
      `paddings of ${p.length / 2} dimensions for a rank-${rank} input (only NHWC is mapped)`,
    );
  let constantValue = 0;
  const c = op.inputs[2];
  if (c !== undefined && c >= 0) constantValue = ctx.constant(c).values[0] ?? 0;
  if (p[0] !== 0 || p[1] !== 0) throw ctx.unsupported('padding of the batch axis');
  const out = outputAt(op, ctx);
  const spatial = p[2] !== 0 || p[3] !== 0 || p[4] !== 0 || p[5] !== 0;
  const channel = p[6] !== 0 || p[7] !== 0;
  let v = x;
  if (spatial) {
    const attrs = {
      padding: [
        [p[2]!, p[3]!],
        [p[4]!, p[5]!],
      ],
      constantValue,
    };
    if (!channel) {
      ctx.layer('Pad', [x], attrs, {}, out);
      return;
    }
    v = ctx.extraLayer('Pad', x, attrs, `${ctx.tensor(out).name}_spatial`);
  }
  if (channel) {
    if (constantValue !== 0) throw ctx.unsupported('non-zero channel padding');
    const cin = x.shape![3]!;
    const cout = cin + p[6]! + p[7]!;
    const k = new Float32Array(cin * cout);
    for (let i = 0; i < cin; i++) k[i * cout + p[6]! + i] = 1;
    ctx.layer(
      'Conv2D',
      [v],
      { filters: cout, kernelSize: [1, 1], padding: 'valid', useBias: false, activation: 'linear' },
      { kernel: { tensor: tensor('float32', [1, 1, cin, cout], k), annotations: {} } },
      out,
    );
    return;
  }
  ctx.layer(
    'Pad',
    [x],
    {
      padding: [
        [0, 0],
        [0, 0],
      ],
      constantValue,
    },
    {},
    out,
  );
}
