/**
 * Constant folding of the small shape-computing subgraphs ONNX exporters emit
 * (Shape → Gather/Slice → Concat → Reshape, Unsqueeze, Cast, arithmetic on constants).
 * Constants are held as numbers (float64) with a dtype tag; shapes are tiny, so clarity wins.
 */
import {
  BudgetExceededError,
  FormatError,
  UnsupportedError,
  type DType,
  type ErrorLocation,
  type Tensor,
} from '@collabopt/core';

export interface Const {
  readonly dtype: DType;
  readonly shape: readonly number[];
  readonly values: Float64Array;
  /** 4 for codes read from an INT4/UINT4 tensor (held as int8/uint8); absent otherwise. */
  readonly bits?: 4;
}

/** Folded tensors larger than this are refused (guards corrupt files against huge allocations). */
export const MAX_FOLD_ELEMENTS = 1 << 24;

export function constFromTensor(t: Tensor): Const {
  const src = t.data as ArrayLike<number | bigint>;
  const values = new Float64Array(src.length);
  for (let i = 0; i < src.length; i++) values[i] = Number(src[i]!);
  return { dtype: t.dtype, shape: [...t.shape], values };
}

export function constToFloat32(c: Const): Tensor<'float32'> {
  return { dtype: 'float32', shape: [...c.shape], data: Float32Array.from(c.values) };
}

export function sizeOfShape(shape: readonly number[], where: ErrorLocation): number {
  let n = 1;
  for (const d of shape) {
    if (!Number.isSafeInteger(d) || d < 0)
      throw new FormatError(`invalid dimension ${d} in a constant`, where, 'ONNX_BAD_TENSOR');
    n *= d;
  }
  if (n > MAX_FOLD_ELEMENTS)
    throw new UnsupportedError(
      `constant of ${n} elements is too large to fold`,
      where,
      'ONNX_CONSTANT_TOO_LARGE',
    );
  return n;
}

export function makeConst(
  dtype: DType,
  shape: readonly number[],
  values: ArrayLike<number>,
  where: ErrorLocation,
): Const {
  const n = sizeOfShape(shape, where);
  if (values.length !== n)
    throw new FormatError(
      `constant has ${values.length} values for shape [${shape.join(', ')}]`,
      where,
      'ONNX_BAD_TENSOR',
    );
  const v = Float64Array.from(values);
  if (dtype !== 'float32' && dtype !== 'float16')
    for (let i = 0; i < v.length; i++) v[i] = Math.trunc(v[i]!);
  return { dtype, shape: [...shape], values: v };
}

function strides(shape: readonly number[]): number[] {
  const s = new Array<number>(shape.length);
  let acc = 1;
  for (let i = shape.length - 1; i >= 0; i--) {
    s[i] = acc;
    acc *= shape[i]!;
  }
  return s;
}

/** numpy-broadcast output shape, or a typed error. */
export function broadcast(
  a: readonly number[],
  b: readonly number[],
  where: ErrorLocation,
): number[] {
  const rank = Math.max(a.length, b.length);
  const out: number[] = [];
  for (let i = 0; i < rank; i++) {
    const x = a[a.length - rank + i] ?? 1;
    const y = b[b.length - rank + i] ?? 1;
    if (x !== y && x !== 1 && y !== 1)
      throw new FormatError(
        `shapes [${a.join(', ')}] and [${b.join(', ')}] do not broadcast`,
        where,
        'ONNX_BAD_SHAPE',
      );
    out.push(x === 1 ? y : x);
  }
  return out;
}

/** Values of `c` broadcast to `shape` (row-major). */
export function broadcastTo(
  c: Const,
  shape: readonly number[],
  where: ErrorLocation,
): Float64Array {
  const n = sizeOfShape(shape, where);
  const out = new Float64Array(n);
  const rank = shape.length;
  const cs = c.shape;
  const cstr = strides(cs);
  const ostr = strides(shape);
  for (let i = 0; i < n; i++) {
    let off = 0;
    for (let ax = 0; ax < rank; ax++) {
      const ca = ax - (rank - cs.length);
      if (ca < 0) continue;
      const idx = Math.floor(i / ostr[ax]!) % shape[ax]!;
      if (cs[ca]! !== 1) off += idx * cstr[ca]!;
    }
    out[i] = c.values[off]!;
  }
  return out;
}

export function binaryConst(op: string, a: Const, b: Const, where: ErrorLocation): Const {
  const shape = broadcast(a.shape, b.shape, where);
  const x = broadcastTo(a, shape, where);
  const y = broadcastTo(b, shape, where);
  const isInt = a.dtype !== 'float32' && a.dtype !== 'float16';
  const out = new Float64Array(x.length);
  for (let i = 0; i < out.length; i++) {
    const p = x[i]!;
    const q = y[i]!;
    switch (op) {
      case 'Add':
        out[i] = p + q;
        break;
      case 'Sub':
        out[i] = p - q;
        break;
      case 'Mul':
        out[i] = p * q;
        break;
      case 'Div':
        out[i] = isInt ? Math.trunc(p / q) : p / q;
        break;
      default:
        throw new UnsupportedError(`cannot fold ${op}`, where, 'ONNX_UNSUPPORTED_OP');
    }
  }
  return { dtype: a.dtype, shape, values: out };
}

export function normAxis(axis: number, rank: number, where: ErrorLocation): number {
  const a = axis < 0 ? axis + rank : axis;
  if (!Number.isInteger(a) || a < 0 || a >= rank)
    throw new FormatError(
      `axis ${axis} out of range for rank ${rank}`,
      where,
      'ONNX_BAD_ATTRIBUTE',
    );
  return a;
}

export function concatConst(parts: readonly Const[], axis: number, where: ErrorLocation): Const {
  const first = parts[0]!;
  const rank = first.shape.length;
  const ax = normAxis(axis, rank, where);
  const outShape = [...first.shape];
  outShape[ax] = 0;
  for (const p of parts) {
    if (p.shape.length !== rank || p.shape.some((d, i) => i !== ax && d !== first.shape[i])) {
      throw new FormatError('Concat inputs have mismatching shapes', where, 'ONNX_BAD_SHAPE');
    }
    outShape[ax] = outShape[ax]! + p.shape[ax]!;
  }
  const outer = first.shape.slice(0, ax).reduce((x, y) => x * y, 1);
  const values: number[] = [];
  for (let o = 0; o < outer; o++) {
    for (const p of parts) {
      const chunk = p.shape.slice(ax).reduce((x, y) => x * y, 1);
      for (let i = 0; i < chunk; i++) values.push(p.values[o * chunk + i]!);
    }
  }
  return makeConst(first.dtype, outShape, values, where);
}

export function gatherConst(
  data: Const,
  indices: Const,
  axis: number,
  where: ErrorLocation,
): Const {
  const rank = data.shape.length;
  const ax = normAxis(axis, rank, where);
  const outShape = [...data.shape.slice(0, ax), ...indices.shape, ...data.shape.slice(ax + 1)];
  const outer = data.shape.slice(0, ax).reduce((x, y) => x * y, 1);
  const inner = data.shape.slice(ax + 1).reduce((x, y) => x * y, 1);
  const dim = data.shape[ax]!;
  const values: number[] = [];
  for (let o = 0; o < outer; o++) {
    for (const raw of indices.values) {
      const idx = raw < 0 ? raw + dim : raw;
      if (idx < 0 || idx >= dim)
        throw new FormatError(`Gather index ${raw} out of range`, where, 'ONNX_BAD_ATTRIBUTE');
      for (let i = 0; i < inner; i++) values.push(data.values[(o * dim + idx) * inner + i]!);
    }
  }
  return makeConst(data.dtype, outShape, values, where);
}

/** Slice with ONNX semantics (clamped starts/ends, negative steps). */
export function sliceConst(
  data: Const,
  starts: number[],
  ends: number[],
  axes: number[],
  steps: number[],
  where: ErrorLocation,
): Const {
  const rank = data.shape.length;
  const begin = data.shape.map(() => 0);
  const stepOf = data.shape.map(() => 1);
  const count = [...data.shape];
  axes.forEach((a0, k) => {
    const a = normAxis(a0, rank, where);
    const dim = data.shape[a]!;
    const step = steps[k] ?? 1;
    if (step === 0) throw new FormatError('Slice step 0', where, 'ONNX_BAD_ATTRIBUTE');
    let s = starts[k]!;
    let e = ends[k]!;
    if (s < 0) s += dim;
    if (e < 0) e += dim;
    if (step > 0) {
      s = Math.max(0, Math.min(dim, s));
      e = Math.max(0, Math.min(dim, e));
      count[a] = Math.max(0, Math.ceil((e - s) / step));
    } else {
      s = Math.max(-1, Math.min(dim - 1, s));
      e = Math.max(-1, Math.min(dim - 1, e));
      count[a] = Math.max(0, Math.ceil((s - e) / -step));
    }
    begin[a] = s;
    stepOf[a] = step;
  });
  const n = sizeOfShape(count, where);
  const inStr = strides(data.shape);
  const outStr = strides(count);
  const values = new Float64Array(n);
  for (let i = 0; i < n; i++) {
    let off = 0;
    for (let ax = 0; ax < rank; ax++) {
      const idx = Math.floor(i / outStr[ax]!) % count[ax]!;
      off += (begin[ax]! + idx * stepOf[ax]!) * inStr[ax]!;
    }
    values[i] = data.values[off]!;
  }
  return { dtype: data.dtype, shape: count, values };
}

/** ONNX Reshape target resolution: 0 copies the input dim (unless allowzero), one −1 is inferred. */
export function resolveReshape(
  input: readonly number[],
  target: readonly number[],
  allowZero: boolean,
  where: ErrorLocation,
): number[] {
  const out = target.map((d, i) => (d === 0 && !allowZero ? input[i]! : d));
  const total = input.reduce((x, y) => x * y, 1);
  const wild = out.filter((d) => d === -1).length;
  if (wild > 1)
    throw new FormatError(
      `Reshape target [${target.join(', ')}] has more than one −1`,
      where,
      'ONNX_BAD_SHAPE',
    );
  if (out.some((d) => d < -1))
    throw new FormatError(
      `Reshape target [${target.join(', ')}] is invalid`,
      where,
      'ONNX_BAD_SHAPE',
    );
  if (wild === 1) {
    const known = out.filter((d) => d !== -1).reduce((x, y) => x * y, 1);
    if (known === 0 || total % known !== 0)
      throw new FormatError(
        `cannot reshape [${input.join(', ')}] to [${target.join(', ')}]`,
        where,
        'ONNX_BAD_SHAPE',
      );
    return out.map((d) => (d === -1 ? total / known : d));
  }
  if (out.reduce((x, y) => x * y, 1) !== total)
    throw new FormatError(
      `cannot reshape [${input.join(', ')}] to [${target.join(', ')}]`,
      where,
      'ONNX_BAD_SHAPE',
    );
  return out;
}

/** Bytes of folded constants a read may hold unless `foldBudgetBytes` says otherwise: 128 MiB. */
export const DEFAULT_FOLD_BUDGET_BYTES = 128 * 2 ** 20;

/**
 * The memory constant folding may take while one model is read. A few hundred bytes of ONNX
 * (`ConstantOfShape([2^24])` eight times) must not cost gigabytes; each fold is charged before its
 * values are allocated, and the one that crosses the budget is a typed error naming its node.
 */
export class FoldBudget {
  private used = 0;

  constructor(readonly limitBytes: number = DEFAULT_FOLD_BUDGET_BYTES) {}

  /** Charge `elements` folded values (held as float64) to the budget. */
  charge(elements: number, where: ErrorLocation): void {
    const bytes = elements * Float64Array.BYTES_PER_ELEMENT;
    if (this.used + bytes > this.limitBytes)
      throw new BudgetExceededError(
        `folding a constant of ${elements} values (${bytes} bytes) would take the constants folded while reading to ${this.used + bytes} bytes, over the budget of ${this.limitBytes}; raise the read option foldBudgetBytes if the model really needs it`,
        where,
        'ONNX_FOLD_BUDGET_EXCEEDED',
      );
    this.used += bytes;
  }

  /** Bytes charged so far. */
  get usedBytes(): number {
    return this.used;
  }
}
