import { InvalidArgumentError, stridesOf } from '@collabopt/core';
import { magnitudes, type MaskResult } from './mask';

/**
 * Row view of a weight for m:n sparsity: the weight rearranged to the TFLite layout
 * [output channels, ..., input channels] flattened to rows × length, with groups of n running
 * along the last (input-channel) axis. `index[row * length + j]` is the element's flat index in
 * the weight's own (Keras) layout.
 *
 * The output-channel axes come from the op registry (`channelAxes`); they move to the front and
 * the other axes keep their order. Conv2D [kh, kw, cin, cout] → [cout·kh·kw, cin], Dense
 * [in, out] → [out, in], Conv2DTranspose [kh, kw, cout, cin] → [cout·kh·kw, cin] (TFMOT's
 * `weights_rearrange` for ranks 2 and 4, generalised through the channel axes).
 */
export interface MNRows {
  readonly rows: number;
  readonly length: number;
  readonly index: Uint32Array;
}

export function mnRows(shape: readonly number[], channelAxes: readonly number[]): MNRows {
  const rank = shape.length;
  const axes = channelAxes.map((a) => (a < 0 ? a + rank : a));
  if (rank < 2 || axes.length === 0 || axes.some((a) => a < 0 || a >= rank)) {
    throw new InvalidArgumentError(
      `m:n sparsity needs a weight of rank ≥ 2 with output-channel axes, got shape [${shape.join(', ')}]`,
    );
  }
  const rest = [...Array(rank).keys()].filter((a) => !axes.includes(a));
  if (rest.length === 0) {
    throw new InvalidArgumentError(
      `m:n sparsity: shape [${shape.join(', ')}] has no input-channel axis besides channel axes [${axes.join(', ')}]`,
    );
  }
  const perm = [...axes, ...rest];
  const permShape = perm.map((a) => shape[a]!);
  const strides = stridesOf(shape);
  const permStrides = perm.map((a) => strides[a]!);
  const size = shape.reduce((p, d) => p * d, 1);
  const length = permShape[rank - 1]!;
  const index = new Uint32Array(size);
  const counter = new Array<number>(rank).fill(0);
  let flat = 0;
  for (let p = 0; p < size; p++) {
    index[p] = flat;
    // increment the permuted multi-index (row-major), tracking the source flat index
    for (let d = rank - 1; d >= 0; d--) {
      counter[d]!++;
      flat += permStrides[d]!;
      if (counter[d]! < permShape[d]!) break;
      flat -= permStrides[d]! * permShape[d]!;
      counter[d] = 0;
    }
  }
  return { rows: length === 0 ? 0 : size / length, length, index };
}

function checkMN(m: number, n: number): void {
  if (!Number.isInteger(m) || !Number.isInteger(n) || m < 0 || n < 1 || m >= n) {
    throw new InvalidArgumentError(`m:n sparsity needs integers 0 ≤ m < n, got ${m}:${n}`, {
      field: 'm',
    });
  }
}

/**
 * m:n mask (TFMOT `generate_m_by_n_mask`): in every group of n consecutive elements along the
 * input-channel axis of the TFLite layout the n−m largest |w| are kept (ties: the earlier element
 * wins, as top-k does); a short last group is padded with zeros, so it keeps min(len, n−m).
 */
export function mnMask(
  values: ArrayLike<number>,
  shape: readonly number[],
  channelAxes: readonly number[],
  m: number,
  n: number,
): MaskResult {
  checkMN(m, n);
  const layout = mnRows(shape, channelAxes);
  if (layout.index.length !== values.length) {
    throw new InvalidArgumentError(
      `shape [${shape.join(', ')}] does not match ${values.length} values`,
    );
  }
  const abs = magnitudes(values);
  const keep = n - m;
  const mask = new Uint8Array(values.length);
  const group: number[] = [];
  for (let r = 0; r < layout.rows; r++) {
    for (let g = 0; g < layout.length; g += n) {
      group.length = 0;
      for (let j = g; j < Math.min(g + n, layout.length); j++)
        group.push(layout.index[r * layout.length + j]!);
      // stable sort by magnitude, descending: equal magnitudes keep their order (earlier wins)
      const ranked = group
        .map((flat, pos) => ({ flat, pos }))
        .sort((a, b) => abs[b.flat]! - abs[a.flat]! || a.pos - b.pos);
      for (let t = 0; t < Math.min(keep, ranked.length); t++) mask[ranked[t]!.flat] = 1;
    }
  }
  return { mask, threshold: 999 };
}

/** Where an m:n check failed: the row/group in the TFLite-layout view and its non-zero count. */
export interface MNViolation {
  readonly row: number;
  readonly group: number;
  readonly nonZeros: number;
  /** Flat index (weight layout) of the group's first element. */
  readonly index: number;
}

/** Groups of n (input-channel axis, TFLite layout) holding more than n−m non-zeros. */
export function mnViolations(
  values: ArrayLike<number>,
  shape: readonly number[],
  channelAxes: readonly number[],
  m: number,
  n: number,
  limit = Infinity,
): { groups: number; violationCount: number; violations: MNViolation[] } {
  checkMN(m, n);
  const layout = mnRows(shape, channelAxes);
  const violations: MNViolation[] = [];
  let groups = 0;
  let violationCount = 0;
  for (let r = 0; r < layout.rows; r++) {
    for (let g = 0; g < layout.length; g += n) {
      groups++;
      let nz = 0;
      for (let j = g; j < Math.min(g + n, layout.length); j++)
        if (values[layout.index[r * layout.length + j]!] !== 0) nz++;
      if (nz <= n - m) continue;
      violationCount++;
      if (violations.length < limit)
        violations.push({
          row: r,
          group: g / n,
          nonZeros: nz,
          index: layout.index[r * layout.length + g]!,
        });
    }
  }
  return { groups, violationCount, violations };
}
