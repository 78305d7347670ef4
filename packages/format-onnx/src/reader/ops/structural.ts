/** Reshape, Flatten, Pad, Concat, Transpose and the identities (Identity, Dropout, Cast). */
import { NCHW_TO_NHWC, nchwAxisToNhwc, nchwToNhwcFlatIndex, permuteShape } from '../../layout';
import { ONNX_DTYPE } from '../../proto/types';
import {
  type ImportContext,
  MAX_SAMPLE_ELEMENTS,
  type Sym,
  alias,
  constIn,
  emit,
  entry,
  onnxShapeOf,
  optConstIn,
  outName,
  valueIn,
} from '../context';
import { type Const, concatConst, normAxis, resolveReshape } from '../fold';
import { NodeReader, sameInts } from '../node-reader';

export function orderNeutral(s: readonly number[]): boolean {
  return s.length !== 4 || (s[1] === 1 && s[2] === 1) || s[3] === 1;
}

/** Reshape/Flatten to the ONNX shape `target` (batch first). */
export function reshapeTo(ctx: ImportContext, r: NodeReader, x: Sym, target: number[]): void {
  const irIn = x.v.shape!;
  if (x.flatPerm) r.fail('reshaping a flattened NCHW feature map is not supported');
  const outRank = target.length;
  if (outRank < 2) r.fail(`reshape to rank ${outRank} drops the batch dimension`);
  if (x.layout === 'nchw' && !orderNeutral(irIn)) {
    if (outRank !== 2)
      r.fail(
        'reshaping a multi-pixel NCHW feature map to anything but [N, features] is not supported',
      );
    const [, h, w, c] = irIn as [number, number, number, number];
    if (h * w * c > MAX_SAMPLE_ELEMENTS)
      r.fail(`feature map ${h}×${w}×${c} is too large`, 'ONNX_BAD_SHAPE');
    const v = emit(ctx, r, 'Flatten', [x.v], {}, {}, 'plain');
    ctx.table.set(outName(r), {
      kind: 'value',
      v,
      layout: 'plain',
      flatPerm: nchwToNhwcFlatIndex(h, w, c),
    });
    return;
  }
  if (outRank === 4) {
    const nhwc = permuteShape(target, NCHW_TO_NHWC);
    // Order-neutral maps can be NCHW directly; others stay as ONNX sees them (a Transpose may follow).
    if (orderNeutral(nhwc))
      emit(ctx, r, 'Reshape', [x.v], { targetShape: nhwc.slice(1) }, {}, 'nchw');
    else emit(ctx, r, 'Reshape', [x.v], { targetShape: target.slice(1) }, {}, 'plain');
    return;
  }
  if (outRank === 2) emit(ctx, r, 'Flatten', [x.v], {}, {}, 'plain');
  else emit(ctx, r, 'Reshape', [x.v], { targetShape: target.slice(1) }, {}, 'plain');
}

export function importReshape(ctx: ImportContext, r: NodeReader): void {
  const e = entry(ctx, r, 0);
  const shapeC = ctx.opset < 5 ? undefined : constIn(ctx, r, 1, 'shape');
  const target = shapeC ? Array.from(shapeC.values) : (r.ints('shape') ?? []);
  if (e?.kind === 'const') {
    const out = resolveReshape(e.c.shape, target, r.int('allowzero', 0) === 1, r.where);
    ctx.table.set(outName(r), { kind: 'const', c: { ...e.c, shape: out } });
    return;
  }
  const x = valueIn(ctx, r, 0);
  const inShape = onnxShapeOf(x);
  const batchFree = inShape.slice(1);
  if (target.length === 0) r.fail('reshape to a scalar is not supported');
  const first = target[0]!;
  if (first !== -1 && first !== 0) {
    // A literal batch size (e.g. 1 from a fixed-batch export): the IR batch stays symbolic.
    if (first < 1) r.fail(`reshape target [${target.join(', ')}] is invalid`, 'ONNX_BAD_SHAPE');
  }
  const rest = resolveReshape(
    batchFree,
    target.slice(1).map((d, i) => (d === 0 ? (batchFree[i] ?? 0) : d)),
    true,
    r.where,
  );
  reshapeTo(ctx, r, x, [-1, ...rest]);
}

export function importFlatten(ctx: ImportContext, r: NodeReader): void {
  const x = valueIn(ctx, r, 0);
  const axis = r.int('axis', 1);
  const rank = x.v.shape!.length;
  if (normAxis(axis, rank, r.where) !== 1)
    r.fail(`Flatten axis ${axis} would merge the batch dimension`);
  const inShape = onnxShapeOf(x);
  reshapeTo(ctx, r, x, [-1, inShape.slice(1).reduce((p, q) => p * q, 1)]);
}

export function importPad(ctx: ImportContext, r: NodeReader): void {
  const x = valueIn(ctx, r, 0);
  const mode = r.string('mode', 'constant');
  if (mode !== 'constant') r.fail(`pad mode "${mode}" is not supported`);
  let pads: number[];
  let value = 0;
  if (ctx.opset < 11) {
    pads = r.ints('pads') ?? r.ints('paddings') ?? [];
    value = r.float('value', 0);
  } else {
    pads = Array.from(constIn(ctx, r, 1, 'pads').values);
    value = optConstIn(ctx, r, 2, 'constant_value')?.values[0] ?? 0;
    const axesC = optConstIn(ctx, r, 3, 'axes');
    if (axesC) {
      const rank = x.v.shape!.length;
      const full = new Array<number>(rank * 2).fill(0);
      const axes = Array.from(axesC.values).map((a) => normAxis(a, rank, r.where));
      axes.forEach((a, i) => {
        full[a] = pads[i]!;
        full[a + rank] = pads[i + axes.length]!;
      });
      pads = full;
    }
  }
  if (x.layout !== 'nchw' || pads.length !== 8)
    r.fail('only padding of rank-4 NCHW tensors is supported');
  if (pads[0] !== 0 || pads[1] !== 0 || pads[4] !== 0 || pads[5] !== 0)
    r.fail('padding of the batch or channel axis is not supported');
  if (pads.some((p) => p < 0)) r.fail('negative pads (cropping) are not supported');
  emit(
    ctx,
    r,
    'Pad',
    [x.v],
    {
      padding: [
        [pads[2]!, pads[6]!],
        [pads[3]!, pads[7]!],
      ],
      constantValue: value,
    },
    {},
    'nchw',
  );
}

export function importConcat(ctx: ImportContext, r: NodeReader): void {
  const entries = (r.node.input ?? []).map((_, i) => entry(ctx, r, i)!);
  if (entries.every((e) => e.kind === 'const')) {
    ctx.foldBudget.charge(
      entries.reduce((acc, e) => acc + (e as { c: Const }).c.values.length, 0),
      r.where,
    );
    ctx.table.set(outName(r), {
      kind: 'const',
      c: concatConst(
        entries.map((e) => (e as { c: Const }).c),
        r.int('axis', 0),
        r.where,
      ),
    });
    return;
  }
  const xs = entries.map((_, i) => valueIn(ctx, r, i));
  const layout = xs[0]!.layout;
  if (xs.some((x) => x.layout !== layout)) r.fail('inputs have different layouts');
  const rank = xs[0]!.v.shape!.length;
  const axis = normAxis(r.int('axis', 1), rank, r.where);
  if (axis === 0) r.fail('concatenation along dimension 0 (the batch) is not supported');
  const irAxis = layout === 'nchw' ? nchwAxisToNhwc(axis, rank) : axis;
  emit(
    ctx,
    r,
    'Concat',
    xs.map((x) => x.v),
    { axis: irAxis === rank - 1 ? -1 : irAxis },
    {},
    layout,
  );
}

export function importTranspose(ctx: ImportContext, r: NodeReader): void {
  const e = entry(ctx, r, 0);
  const perm = r.ints('perm');
  if (e?.kind === 'const') r.fail('transposing constants is not supported');
  const x = valueIn(ctx, r, 0);
  const rank = x.v.shape!.length;
  if (perm === undefined || perm.every((p, i) => p === i)) {
    if (perm === undefined && rank > 1)
      r.fail('Transpose without perm (reversal) is not supported');
    alias(ctx, r, x);
  } else if (rank === 4 && x.layout === 'plain' && sameInts(perm, [0, 3, 1, 2]))
    alias(ctx, r, { ...x, layout: 'nchw' });
  else if (rank === 4 && x.layout === 'nchw' && sameInts(perm, [0, 2, 3, 1]))
    alias(ctx, r, { ...x, layout: 'plain' });
  else r.fail(`perm [${(perm ?? []).join(', ')}] is not a layout change the IR can absorb`);
}

export function importIdentity(ctx: ImportContext, r: NodeReader): void {
  alias(ctx, r, valueIn(ctx, r, 0));
}

/** Inference only: a training-mode Dropout (opset ≥ 12, constant true) is random, not an identity. */
export function importDropout(ctx: ImportContext, r: NodeReader): void {
  const training = ctx.opset >= 12 ? optConstIn(ctx, r, 2, 'training_mode') : undefined;
  if (training !== undefined && training.values[0] !== 0)
    r.fail('training-mode Dropout is not supported (inference graphs only)');
  alias(ctx, r, valueIn(ctx, r, 0));
}

/** Cast of a computed tensor: only to float, where it is an identity. */
export function importCast(ctx: ImportContext, r: NodeReader): void {
  const to = r.int('to', 0);
  if (to !== ONNX_DTYPE.FLOAT) r.fail(`Cast of a computed tensor to type ${to} is not supported`);
  alias(ctx, r, valueIn(ctx, r, 0));
}
