import { InvalidArgumentError } from './errors';

/** Element types a tensor can hold. float16 is stored as raw IEEE half bits in a Uint16Array. */
export type DType = 'float32' | 'float16' | 'int8' | 'uint8' | 'int16' | 'int32' | 'int64' | 'bool';

export const DTYPES: readonly DType[] = [
  'float32',
  'float16',
  'int8',
  'uint8',
  'int16',
  'int32',
  'int64',
  'bool',
];

export interface TypedArrayOf {
  float32: Float32Array;
  float16: Uint16Array;
  int8: Int8Array;
  uint8: Uint8Array;
  int16: Int16Array;
  int32: Int32Array;
  int64: BigInt64Array;
  bool: Uint8Array;
}

export type TensorData = TypedArrayOf[DType];

/** A plain n-dimensional array: dtype, shape (row-major) and a typed array of `size(shape)` elements. */
export interface Tensor<D extends DType = DType> {
  readonly dtype: D;
  readonly shape: readonly number[];
  readonly data: TypedArrayOf[D];
}

export type FloatTensor = Tensor<'float32'>;

/** Bytes per element of each dtype. */
export const DTYPE_BYTES: Readonly<Record<DType, number>> = {
  float32: 4,
  float16: 2,
  int8: 1,
  uint8: 1,
  int16: 2,
  int32: 4,
  int64: 8,
  bool: 1,
};

export function allocate<D extends DType>(dtype: D, length: number): TypedArrayOf[D] {
  switch (dtype) {
    case 'float32':
      return new Float32Array(length) as TypedArrayOf[D];
    case 'float16':
      return new Uint16Array(length) as TypedArrayOf[D];
    case 'int8':
      return new Int8Array(length) as TypedArrayOf[D];
    case 'uint8':
    case 'bool':
      return new Uint8Array(length) as TypedArrayOf[D];
    case 'int16':
      return new Int16Array(length) as TypedArrayOf[D];
    case 'int32':
      return new Int32Array(length) as TypedArrayOf[D];
    case 'int64':
      return new BigInt64Array(length) as TypedArrayOf[D];
    default:
      throw new InvalidArgumentError(`unknown dtype "${String(dtype)}"`);
  }
}

/** Number of elements of a fully known shape (a scalar has size 1). */
export function sizeOf(shape: readonly number[]): number {
  let n = 1;
  for (const d of shape) {
    if (!Number.isInteger(d) || d < 0) {
      throw new InvalidArgumentError(`shape [${shape.join(', ')}] is not fully known`);
    }
    n *= d;
  }
  return n;
}

/** Row-major strides of a shape. */
export function stridesOf(shape: readonly number[]): number[] {
  const strides = new Array<number>(shape.length);
  let s = 1;
  for (let i = shape.length - 1; i >= 0; i--) {
    strides[i] = s;
    s *= shape[i]!;
  }
  return strides;
}

/** Create a tensor, checking that the data length matches the shape. */
export function tensor<D extends DType>(
  dtype: D,
  shape: readonly number[],
  data?: TypedArrayOf[D] | ArrayLike<number>,
): Tensor<D> {
  const n = sizeOf(shape);
  let buf: TypedArrayOf[D];
  if (data === undefined) {
    buf = allocate(dtype, n);
  } else if (isTypedArrayOf(dtype, data)) {
    buf = data;
  } else {
    const src = data as ArrayLike<number>;
    if (src.length !== n) {
      throw new InvalidArgumentError(
        `tensor data has ${src.length} elements but shape [${shape.join(', ')}] needs ${n}`,
      );
    }
    buf = allocate(dtype, n);
    if (dtype === 'int64') {
      const b = buf as BigInt64Array;
      for (let i = 0; i < src.length; i++) b[i] = BigInt(Math.trunc(src[i]!));
    } else {
      (buf as Exclude<TensorData, BigInt64Array>).set(src);
    }
  }
  if (buf.length !== n) {
    throw new InvalidArgumentError(
      `tensor data has ${buf.length} elements but shape [${shape.join(', ')}] needs ${n}`,
    );
  }
  return { dtype, shape: [...shape], data: buf };
}

export function floatTensor(shape: readonly number[], data?: ArrayLike<number>): FloatTensor {
  return tensor('float32', shape, data instanceof Float32Array ? data : data);
}

function isTypedArrayOf<D extends DType>(dtype: D, data: unknown): data is TypedArrayOf[D] {
  switch (dtype) {
    case 'float32':
      return data instanceof Float32Array;
    case 'float16':
      return data instanceof Uint16Array;
    case 'int8':
      return data instanceof Int8Array;
    case 'uint8':
    case 'bool':
      return data instanceof Uint8Array;
    case 'int16':
      return data instanceof Int16Array;
    case 'int32':
      return data instanceof Int32Array;
    case 'int64':
      return data instanceof BigInt64Array;
    default:
      return false;
  }
}

/** Deep copy of a tensor. */
export function cloneTensor<D extends DType>(t: Tensor<D>): Tensor<D> {
  return { dtype: t.dtype, shape: [...t.shape], data: t.data.slice() as TypedArrayOf[D] };
}

/** Raw little-endian bytes of a tensor's data (a view, no copy, when the platform is little-endian). */
export function tensorBytes(t: Tensor): Uint8Array {
  return new Uint8Array(t.data.buffer, t.data.byteOffset, t.data.byteLength);
}

/** Tensor size in bytes as stored. */
export function byteSize(t: Tensor): number {
  return t.data.length * DTYPE_BYTES[t.dtype];
}

export function shapesEqual(a: readonly number[], b: readonly number[]): boolean {
  return a.length === b.length && a.every((d, i) => d === b[i]);
}

export function formatShape(shape: readonly number[]): string {
  return `[${shape.map((d) => (d < 0 ? '?' : String(d))).join(', ')}]`;
}

/** Permute the axes of a tensor (like numpy.transpose). */
export function transposeTensor<D extends DType>(t: Tensor<D>, perm: readonly number[]): Tensor<D> {
  const rank = t.shape.length;
  if (perm.length !== rank || [...perm].sort((a, b) => a - b).some((p, i) => p !== i)) {
    throw new InvalidArgumentError(
      `perm [${perm.join(', ')}] is not a permutation of rank ${rank}`,
    );
  }
  const outShape = perm.map((p) => t.shape[p]!);
  const inStrides = stridesOf(t.shape);
  const out = allocate(t.dtype, t.data.length);
  const n = t.data.length;
  const idx = new Array<number>(rank).fill(0);
  const src = t.data as ArrayLike<number | bigint>;
  const dst = out as unknown as { [i: number]: number | bigint };
  // Walk the output in row-major order, tracking the matching input offset.
  const permStrides = perm.map((p) => inStrides[p]!);
  let inOff = 0;
  for (let o = 0; o < n; o++) {
    dst[o] = src[inOff]!;
    for (let ax = rank - 1; ax >= 0; ax--) {
      idx[ax]!++;
      inOff += permStrides[ax]!;
      if (idx[ax]! < outShape[ax]!) break;
      inOff -= permStrides[ax]! * outShape[ax]!;
      idx[ax] = 0;
    }
  }
  return { dtype: t.dtype, shape: outShape, data: out };
}

/** Same data, new shape of equal size. */
export function reshapeTensor<D extends DType>(t: Tensor<D>, shape: readonly number[]): Tensor<D> {
  if (sizeOf(shape) !== t.data.length) {
    throw new InvalidArgumentError(
      `cannot reshape ${formatShape(t.shape)} (${t.data.length} elements) to ${formatShape(shape)}`,
    );
  }
  return { dtype: t.dtype, shape: [...shape], data: t.data };
}
