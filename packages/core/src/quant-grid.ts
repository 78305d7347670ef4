/**
 * The quantization grid, in one place: a real value x sits on the grid (scale s, zero point zp,
 * integer range [qmin, qmax]) as the code q = clamp(round(x / s) + zp, qmin, qmax), and the code
 * stands for real = s · (q − zp). Writers encode annotated weights with it, the quantization passes
 * snap weights onto it, fixtures build test annotations with it.
 */
import { quantRange } from './annotations/checks';
import type { QuantAnnotation } from './annotations/types';
import { channelLayout } from './channels';
import { InvalidArgumentError } from './errors';

/** Banker's rounding (`tf.round`, numpy `rint`): halves go to the even neighbour. */
export function roundHalfToEven(x: number): number {
  const r = Math.round(x);
  return Math.abs(x % 1) === 0.5 && r % 2 !== 0 ? r - 1 : r;
}

/** `std::round`: halves go away from zero (TFLite's converter and QUANTIZE kernel, TfLiteRound). */
export function roundHalfAwayFromZero(x: number): number {
  return x < 0 ? -Math.round(-x) : Math.round(x);
}

export type Rounding = (x: number) => number;

/**
 * The code of `x`: clamp(round(x / scale) + zeroPoint, qmin, qmax), rounding half to even unless
 * told otherwise. A zero scale (an all-zero channel) encodes everything as the zero point.
 */
export function encodeOnGrid(
  x: number,
  scale: number,
  zeroPoint: number,
  qmin: number,
  qmax: number,
  round: Rounding = roundHalfToEven,
): number {
  const q = scale === 0 ? zeroPoint : round(x / scale) + zeroPoint;
  return q < qmin ? qmin : q > qmax ? qmax : q;
}

/** The real value a code stands for: scale · (q − zeroPoint). */
export function decodeFromGrid(q: number, scale: number, zeroPoint = 0): number {
  return scale * (q - zeroPoint);
}

/** A grid over a tensor: one scale (and zero point) per tensor, or per channel along `channelAxes`. */
export interface TensorGrid {
  readonly scale: ArrayLike<number>;
  /** Default 0 for every channel. */
  readonly zeroPoint?: ArrayLike<number>;
  /** Axes of the tensor's shape that index the channel; needed when there are several scales. */
  readonly channelAxes?: readonly number[];
  readonly qmin: number;
  readonly qmax: number;
}

/** The grid a quant annotation describes (its integer range from dtype, bits and narrowRange). */
export function gridOf(ann: QuantAnnotation): TensorGrid {
  const [qmin, qmax] = quantRange(ann);
  return {
    scale: ann.scale,
    zeroPoint: ann.zeroPoint,
    ...(ann.channelAxes ? { channelAxes: ann.channelAxes } : {}),
    qmin,
    qmax,
  };
}

function channelOf(shape: readonly number[], grid: Pick<TensorGrid, 'scale' | 'channelAxes'>) {
  if (grid.scale.length <= 1) return (): number => 0;
  if (grid.channelAxes === undefined) {
    throw new InvalidArgumentError(
      `a grid with ${grid.scale.length} scales needs channelAxes to say which elements each scale covers`,
    );
  }
  const layout = channelLayout(shape, grid.channelAxes);
  if (layout.count !== grid.scale.length) {
    throw new InvalidArgumentError(
      `a grid with ${grid.scale.length} scales over ${layout.count} channels (shape [${shape.join(', ')}], axes [${grid.channelAxes.join(', ')}])`,
    );
  }
  return (i: number): number => layout.channelOf(i);
}

/** Codes of every element of a tensor of `shape` (written into `out`, which is returned). */
export function encodeTensor<T extends Int8Array | Uint8Array | Int16Array | Int32Array>(
  data: ArrayLike<number>,
  shape: readonly number[],
  grid: TensorGrid,
  out: T,
  round: Rounding = roundHalfToEven,
): T {
  const channel = channelOf(shape, grid);
  for (let i = 0; i < data.length; i++) {
    const c = channel(i);
    out[i] = encodeOnGrid(
      data[i]!,
      grid.scale[c]!,
      grid.zeroPoint?.[c] ?? 0,
      grid.qmin,
      grid.qmax,
      round,
    );
  }
  return out;
}

/** Real values of codes of a tensor of `shape` (written into `out`, which is returned). */
export function decodeTensor(
  codes: ArrayLike<number>,
  shape: readonly number[],
  grid: Pick<TensorGrid, 'scale' | 'zeroPoint' | 'channelAxes'>,
  out: Float32Array,
): Float32Array {
  const channel = channelOf(shape, grid);
  for (let i = 0; i < codes.length; i++) {
    const c = channel(i);
    out[i] = decodeFromGrid(codes[i]!, grid.scale[c]!, grid.zeroPoint?.[c] ?? 0);
  }
  return out;
}

/** Put float values onto the grid in place (decode ∘ encode); returns `data`. */
export function snapTensorToGrid(
  data: Float32Array,
  shape: readonly number[],
  grid: TensorGrid,
  round: Rounding = roundHalfToEven,
): Float32Array {
  const codes = encodeTensor(data, shape, grid, new Int32Array(data.length), round);
  return decodeTensor(codes, shape, grid, data);
}
