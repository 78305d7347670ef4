/** Constant and shape-computing nodes, evaluated at import time (see ../fold.ts for the arithmetic). */
import { fromTensorProto } from '../../proto/tensor-proto';
import { tensorProtoConst } from '../tensor-proto-const';
import { ONNX_DTYPE } from '../../proto/types';
import { type ImportContext, constIn, entry, onnxShapeOf, optConstIn, outName } from '../context';
import {
  type Const,
  constFromTensor,
  gatherConst,
  makeConst,
  normAxis,
  sizeOfShape,
  sliceConst,
} from '../fold';
import { NodeReader } from '../node-reader';

export function importConstant(ctx: ImportContext, r: NodeReader): void {
  const a = r.attrs;
  let c: Const;
  if (a.get('value')?.t) c = tensorProtoConst(a.get('value')!.t!, r.where);
  else if (a.has('value_float')) c = makeConst('float32', [], [r.float('value_float', 0)], r.where);
  else if (a.has('value_floats'))
    c = makeConst(
      'float32',
      [r.floats('value_floats')!.length],
      r.floats('value_floats')!,
      r.where,
    );
  else if (a.has('value_int')) c = makeConst('int64', [], [r.int('value_int', 0)], r.where);
  else if (a.has('value_ints'))
    c = makeConst('int64', [r.ints('value_ints')!.length], r.ints('value_ints')!, r.where);
  else r.fail('only tensor, float(s) and int(s) constants are supported');
  ctx.table.set(outName(r), { kind: 'const', c });
}

export function intList(
  ctx: ImportContext,
  r: NodeReader,
  index: number,
  attr: string,
): number[] | undefined {
  if (ctx.opset >= 13 || (attr !== 'axes' && ctx.opset >= 10)) {
    const c = optConstIn(ctx, r, index, attr);
    if (c) return Array.from(c.values);
  }
  return r.ints(attr);
}

/** Ops foldShapeOps evaluates when every input is constant. */
const FOLDABLE = new Set([
  'Identity',
  'Dropout',
  'Cast',
  'Gather',
  'Unsqueeze',
  'Squeeze',
  'Slice',
  'ConstantOfShape',
]);

export function foldShapeOps(ctx: ImportContext, r: NodeReader): boolean {
  const op = r.node.opType;
  const e0 = entry(ctx, r, 0);
  const out = (c: Const): true => {
    // Unsqueeze/Squeeze/Identity share their input's values; everything else allocated new ones.
    if (e0?.kind !== 'const' || c.values !== e0.c.values)
      ctx.foldBudget.charge(c.values.length, r.where);
    ctx.table.set(outName(r), { kind: 'const', c });
    return true;
  };
  switch (op) {
    case 'Shape': {
      if (e0 === undefined) r.fail('needs an input', 'ONNX_INVALID_MODEL');
      let shape = e0.kind === 'const' ? [...e0.c.shape] : onnxShapeOf(e0);
      if (e0.kind === 'value' && e0.flatPerm) shape = [...e0.v.shape!];
      const start = r.int('start', 0);
      const end = r.attrs.has('end') ? r.int('end', shape.length) : shape.length;
      const s = start < 0 ? start + shape.length : start;
      const en = end < 0 ? end + shape.length : end;
      shape = shape.slice(Math.max(0, s), Math.min(shape.length, en));
      return out(makeConst('int64', [shape.length], shape, r.where));
    }
    case 'Constant':
      importConstant(ctx, r);
      return true;
    default:
      break;
  }
  const all = (r.node.input ?? []).every((n, i) => n === '' || entry(ctx, r, i)?.kind === 'const');
  if (!all || e0 === undefined || e0.kind !== 'const') return false;
  // Fold only what is used: a constant computation nothing reads is skipped, not evaluated.
  if (FOLDABLE.has(op ?? '') && (r.node.output ?? []).every((o) => !o || !ctx.uses.get(o)))
    return true;
  const c0 = e0.c;
  switch (op) {
    case 'Identity':
    case 'Dropout':
      return out(c0);
    case 'Cast': {
      const to = r.int('to', ONNX_DTYPE.FLOAT);
      const dtype =
        to === ONNX_DTYPE.FLOAT || to === ONNX_DTYPE.DOUBLE
          ? 'float32'
          : to === ONNX_DTYPE.INT32
            ? 'int32'
            : to === ONNX_DTYPE.INT64
              ? 'int64'
              : undefined;
      if (dtype === undefined) r.fail(`Cast to type ${to} is not supported`);
      return out(makeConst(dtype, c0.shape, c0.values, r.where));
    }
    case 'Gather':
      return out(gatherConst(c0, constIn(ctx, r, 1, 'indices'), r.int('axis', 0), r.where));
    case 'Unsqueeze': {
      const axes = intList(ctx, r, 1, 'axes') ?? [];
      const rank = c0.shape.length + axes.length;
      const norm = axes.map((a) => normAxis(a, rank, r.where));
      const shape: number[] = [];
      let k = 0;
      for (let i = 0; i < rank; i++) shape.push(norm.includes(i) ? 1 : c0.shape[k++]!);
      return out({ ...c0, shape });
    }
    case 'Squeeze': {
      const axes = intList(ctx, r, 1, 'axes');
      const norm = axes?.map((a) => normAxis(a, c0.shape.length, r.where));
      return out({ ...c0, shape: c0.shape.filter((d, i) => (norm ? !norm.includes(i) : d !== 1)) });
    }
    case 'Slice': {
      let starts: number[], ends: number[], axes: number[] | undefined, steps: number[] | undefined;
      if (ctx.opset < 10) {
        starts = r.ints('starts') ?? [];
        ends = r.ints('ends') ?? [];
        axes = r.ints('axes');
      } else {
        starts = Array.from(constIn(ctx, r, 1, 'starts').values);
        ends = Array.from(constIn(ctx, r, 2, 'ends').values);
        axes = optConstIn(ctx, r, 3, 'axes')
          ? Array.from(constIn(ctx, r, 3, 'axes').values)
          : undefined;
        steps = optConstIn(ctx, r, 4, 'steps')
          ? Array.from(constIn(ctx, r, 4, 'steps').values)
          : undefined;
      }
      const ax = axes ?? starts.map((_, i) => i);
      const big = (v: number) => Math.max(-(2 ** 53), Math.min(2 ** 53, v));
      return out(
        sliceConst(c0, starts.map(big), ends.map(big), ax, steps ?? ax.map(() => 1), r.where),
      );
    }
    case 'ConstantOfShape': {
      const shape = Array.from(c0.values);
      const valueT = r.attrs.get('value')?.t;
      const v = valueT ? constFromTensor(fromTensorProto(valueT, r.where)) : undefined;
      const n = sizeOfShape(shape, r.where);
      ctx.foldBudget.charge(n, r.where); // before the values exist
      const dtype = v?.dtype ?? 'float32';
      const fill = v?.values[0] ?? 0;
      const values = new Float64Array(n).fill(
        dtype === 'float32' || dtype === 'float16' ? fill : Math.trunc(fill),
      );
      ctx.table.set(outName(r), { kind: 'const', c: { dtype, shape, values } });
      return true;
    }
    case 'Concat':
    case 'Add':
    case 'Sub':
    case 'Mul':
    case 'Div':
    case 'Reshape':
      return false; // handled by their importers (which fold constants too)
    default:
      return false;
  }
}
