import { InvalidArgumentError } from '@collabopt/core';
import { magnitudeMaskFromMagnitudes, magnitudes, type MaskResult } from './mask';

export type BlockPooling = 'avg' | 'max';

/**
 * Pool |W| (rank 2, [rows, cols]) over blocks of `blockSize` = [bh, bw] with stride = block size.
 * The result has ceil(rows/bh) × ceil(cols/bw) cells. A partial block at the bottom/right edge
 * pools only the elements it covers (average over the covered cells, as TF's SAME average pooling
 * excludes padding).
 *
 * Deliberate difference from TFMOT: blocks are anchored at element (0, 0). TF's SAME padding
 * splits the padding before/after, so when a dimension leaves two or more cells of padding the
 * pooled blocks are shifted by one element relative to the blocks the mask is expanded to; here
 * the pooled block and the masked block are always the same elements. Where padding is 0 or 1 per
 * dimension (e.g. dimensions divisible by the block) both give identical masks.
 */
export function poolBlocks(
  abs: Float32Array,
  shape: readonly number[],
  blockSize: readonly [number, number],
  pooling: BlockPooling,
): Float32Array {
  const [rows, cols] = checkBlockArgs(abs.length, shape, blockSize);
  const [bh, bw] = blockSize;
  const pr = Math.ceil(rows / bh);
  const pc = Math.ceil(cols / bw);
  const out = new Float32Array(pr * pc);
  for (let bi = 0; bi < pr; bi++) {
    const r0 = bi * bh;
    const r1 = Math.min(rows, r0 + bh);
    for (let bj = 0; bj < pc; bj++) {
      const c0 = bj * bw;
      const c1 = Math.min(cols, c0 + bw);
      let acc = 0;
      for (let r = r0; r < r1; r++) {
        for (let c = c0; c < c1; c++) {
          const v = abs[r * cols + c]!;
          acc = pooling === 'max' ? Math.max(acc, v) : acc + v;
        }
      }
      out[bi * pc + bj] = pooling === 'max' ? acc : acc / ((r1 - r0) * (c1 - c0));
    }
  }
  return out;
}

/**
 * Block-sparse magnitude mask (TFMOT `_maybe_update_block_mask`): pool |W| per block, run the
 * unstructured mask on the pooled matrix at `sparsity`, and give every element its block's mask
 * value. `threshold` is the pooled threshold.
 */
export function blockMask(
  values: ArrayLike<number>,
  shape: readonly number[],
  sparsity: number,
  blockSize: readonly [number, number],
  pooling: BlockPooling = 'avg',
): MaskResult {
  const [rows, cols] = checkBlockArgs(values.length, shape, blockSize);
  const [bh, bw] = blockSize;
  const pooled = poolBlocks(magnitudes(values), shape, blockSize, pooling);
  const pc = Math.ceil(cols / bw);
  const { mask: blocks, threshold } = magnitudeMaskFromMagnitudes(pooled, sparsity);
  const mask = new Uint8Array(rows * cols);
  for (let r = 0; r < rows; r++) {
    const rowBase = Math.floor(r / bh) * pc;
    for (let c = 0; c < cols; c++) mask[r * cols + c] = blocks[rowBase + Math.floor(c / bw)]!;
  }
  return { mask, threshold };
}

function checkBlockArgs(
  size: number,
  shape: readonly number[],
  blockSize: readonly [number, number],
): [number, number] {
  if (shape.length !== 2) {
    throw new InvalidArgumentError(
      `block pruning needs a rank-2 weight (e.g. a Dense kernel), got shape [${shape.join(', ')}]; restrict block pruning to Dense layers`,
    );
  }
  const [rows, cols] = shape as [number, number];
  if (rows * cols !== size)
    throw new InvalidArgumentError(`shape [${rows}, ${cols}] does not match ${size} values`);
  const [bh, bw] = blockSize;
  if (!Number.isInteger(bh) || !Number.isInteger(bw) || bh < 1 || bw < 1) {
    throw new InvalidArgumentError(`blockSize must be two integers ≥ 1, got [${bh}, ${bw}]`, {
      field: 'blockSize',
    });
  }
  return [rows, cols];
}
