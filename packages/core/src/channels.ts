import { InvalidArgumentError } from './errors';

/**
 * Output-channel layout of a weight: the contiguous axes `channelAxes` flattened give the channel,
 * so element i belongs to channel `floor(i / inner) % count`.
 */
export interface ChannelLayout {
  /** Number of channels. */
  readonly count: number;
  /** Elements after the channel axes (stride of one channel step). */
  readonly inner: number;
  /** Elements before the channel axes. */
  readonly outer: number;
  channelOf(index: number): number;
}

export function channelLayout(
  shape: readonly number[],
  channelAxes: readonly number[],
): ChannelLayout {
  if (channelAxes.length === 0) throw new InvalidArgumentError('channelAxes must not be empty');
  const axes = channelAxes.map((a) => (a < 0 ? a + shape.length : a));
  for (let i = 0; i < axes.length; i++) {
    const a = axes[i]!;
    if (a < 0 || a >= shape.length || (i > 0 && a !== axes[i - 1]! + 1)) {
      throw new InvalidArgumentError(
        `channel axes [${channelAxes.join(', ')}] must be contiguous and within rank ${shape.length}`,
      );
    }
  }
  const first = axes[0]!;
  const last = axes[axes.length - 1]!;
  const count = axes.reduce((p, a) => p * shape[a]!, 1);
  const inner = shape.slice(last + 1).reduce((p, d) => p * d, 1);
  const outer = shape.slice(0, first).reduce((p, d) => p * d, 1);
  return { count, inner, outer, channelOf: (index: number) => Math.floor(index / inner) % count };
}

/** Flat indices of every element of channel c, in storage order. */
export function channelIndices(layout: ChannelLayout, c: number): Uint32Array {
  const out = new Uint32Array(layout.outer * layout.inner);
  let k = 0;
  for (let o = 0; o < layout.outer; o++) {
    const base = (o * layout.count + c) * layout.inner;
    for (let j = 0; j < layout.inner; j++) out[k++] = base + j;
  }
  return out;
}

/** Channel id of every element (length = size of the weight). */
export function channelMap(size: number, layout: ChannelLayout): Int32Array {
  const out = new Int32Array(size);
  for (let i = 0; i < size; i++) out[i] = Math.floor(i / layout.inner) % layout.count;
  return out;
}
