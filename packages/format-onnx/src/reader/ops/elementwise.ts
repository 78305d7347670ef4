/** Add/Sub/Mul/Div and Sum: element-wise ops, or per-channel affine BatchNorm with a constant. */
import { type ImportContext, type Sym, alias, emit, entry, outName, valueIn } from '../context';
import { type Const, binaryConst, broadcast, sizeOfShape } from '../fold';
import { NodeReader } from '../node-reader';
import { quantizedWeight } from './quantization';

/** Per-channel vector of a constant broadcast against a value (scalar, [C], [C,1,1], [1,C,1,1], …). */
export function channelVector(r: NodeReader, c: Const, x: Sym): Float64Array {
  const shape = x.v.shape!;
  const rank = shape.length;
  const channels = shape[rank - 1]!;
  const onnxShape = x.layout === 'nchw' ? [shape[0]!, shape[3]!, shape[1]!, shape[2]!] : [...shape];
  const chAxis = x.layout === 'nchw' ? 1 : rank - 1;
  if (c.shape.length > rank)
    r.fail(`constant of shape [${c.shape.join(', ')}] does not broadcast per channel`);
  const aligned = [...new Array<number>(rank - c.shape.length).fill(1), ...c.shape];
  aligned.forEach((d, i) => {
    if (d !== 1 && (i !== chAxis || d !== onnxShape[i])) {
      r.fail(
        `constant of shape [${c.shape.join(', ')}] is not a scalar or per-channel vector for input [${onnxShape.join(', ')}]`,
      );
    }
  });
  const out = new Float64Array(channels);
  const per = aligned[chAxis] !== 1;
  for (let i = 0; i < channels; i++) out[i] = c.values[per ? i : 0]!;
  return out;
}

export function importBinary(ctx: ImportContext, r: NodeReader): void {
  const op = r.node.opType!;
  if (ctx.opset < 7 && r.int('broadcast', 0) === 1)
    r.fail('opset < 7 broadcasting with the broadcast/axis attributes is not supported');
  const a = entry(ctx, r, 0);
  const b = entry(ctx, r, 1);
  if (a === undefined || b === undefined) r.fail('needs two inputs', 'ONNX_INVALID_MODEL');
  if (a.kind === 'const' && b.kind === 'const') {
    // both operands are broadcast to the output shape, then combined: three arrays of that size
    const n = sizeOfShape(broadcast(a.c.shape, b.c.shape, r.where), r.where);
    ctx.foldBudget.charge(3 * n, r.where);
    ctx.table.set(outName(r), { kind: 'const', c: binaryConst(op, a.c, b.c, r.where) });
    return;
  }
  if (a.kind === 'value' && b.kind === 'value') {
    if (op === 'Div') r.fail('division of two computed tensors has no IR op');
    const x = valueIn(ctx, r, 0);
    const y = valueIn(ctx, r, 1);
    const rx = x.v.shape!.length;
    const ry = y.v.shape!.length;
    if (rx !== ry)
      r.fail(
        'broadcasting between computed tensors of different rank is not supported (dimension 0 is the batch in the IR)',
      );
    if (rx === ry && x.layout !== y.layout) r.fail('inputs have different layouts (NCHW and NHWC)');
    emit(ctx, r, op, [x.v, y.v], {}, {}, x.layout);
    return;
  }
  const constFirst = a.kind === 'const';
  const c = (constFirst ? a : b) as { kind: 'const'; c: Const };
  const x = valueIn(ctx, r, constFirst ? 1 : 0);
  const xName = (r.node.input ?? [])[constFirst ? 1 : 0]!;
  // MatMul → Add(bias): fold the bias into the Dense.
  const producer = x.v.producer;
  if (
    op === 'Add' &&
    producer.op === 'Dense' &&
    producer.attrs['useBias'] === false &&
    ctx.uses.get(xName) === 1 &&
    !ctx.graphOutputs.has(xName) &&
    (producer.attrs['activation'] ?? 'linear') === 'linear' &&
    x.v.annotations.quant === undefined
  ) {
    const units = producer.attrs['units'] as number;
    if (c.c.values.length === units || c.c.values.length === 1) {
      const bias = new Float32Array(units).map(
        (_, i) => c.c.values[c.c.values.length === 1 ? 0 : i]!,
      );
      producer.attrs['useBias'] = true;
      const w = quantizedWeight(ctx, c.c, { dtype: 'float32', shape: [units], data: bias }, 0);
      producer.weights['bias'] = 'annotations' in w ? w : { tensor: w, annotations: {} };
      alias(ctx, r, x);
      return;
    }
  }
  if (op === 'Div' && constFirst) r.fail('dividing a constant by a computed tensor has no IR op');
  const vec = channelVector(r, c.c, x);
  const n = vec.length;
  const gamma = new Float32Array(n).fill(1);
  const beta = new Float32Array(n);
  for (let i = 0; i < n; i++) {
    const k = vec[i]!;
    if (op === 'Add') beta[i] = k;
    else if (op === 'Sub') {
      if (constFirst) {
        gamma[i] = -1;
        beta[i] = k;
      } else beta[i] = -k;
    } else if (op === 'Mul') gamma[i] = k;
    else gamma[i] = 1 / k;
  }
  // Element-wise affine with a constant: an exact BatchNorm (mean 0, variance 1, epsilon 0).
  emit(
    ctx,
    r,
    'BatchNorm',
    [x.v],
    { axis: -1, epsilon: 0 },
    {
      gamma: { dtype: 'float32', shape: [n], data: gamma },
      beta: { dtype: 'float32', shape: [n], data: beta },
      movingMean: { dtype: 'float32', shape: [n], data: new Float32Array(n) },
      movingVariance: { dtype: 'float32', shape: [n], data: new Float32Array(n).fill(1) },
    },
    x.layout,
  );
}

/** Sum of one or more computed tensors: an identity or an n-ary Add. */
export function importSum(ctx: ImportContext, r: NodeReader): void {
  const xs = (r.node.input ?? []).map((_, i) => valueIn(ctx, r, i));
  if (xs.length === 1) return alias(ctx, r, xs[0]!);
  emit(
    ctx,
    r,
    'Add',
    xs.map((x) => x.v),
    {},
    {},
    xs[0]!.layout,
  );
}
