import {
  InvalidArgumentError,
  UnsupportedError,
  type MaskAnnotation,
  type Node,
  type Weight,
  type WeightCapabilities,
} from '@collabopt/core';
import { blockMask, type BlockPooling } from './block-mask';
import { checkSparsity, magnitudeMask, type MaskResult } from './mask';
import { mnMask } from './mn-mask';

/** How masks are shaped: element-wise, in blocks (rank-2 weights), or m:n along input channels. */
export type MaskStructure =
  | { readonly kind: 'unstructured' }
  | {
      readonly kind: 'block';
      readonly blockSize: readonly [number, number];
      readonly pooling: BlockPooling;
    }
  | { readonly kind: 'mn'; readonly m: number; readonly n: number };

export const UNSTRUCTURED: MaskStructure = { kind: 'unstructured' };

/** Validate a structure's parameters (typed errors naming the option). */
export function checkStructure(structure: MaskStructure): void {
  if (structure.kind === 'block') {
    const [bh, bw] = structure.blockSize;
    if (!Number.isInteger(bh) || !Number.isInteger(bw) || bh < 1 || bw < 1) {
      throw new InvalidArgumentError(
        `blockSize must be two integers ≥ 1, got [${structure.blockSize.join(', ')}]`,
        { field: 'blockSize' },
      );
    }
  } else if (structure.kind === 'mn') {
    const { m, n } = structure;
    if (!Number.isInteger(m) || !Number.isInteger(n) || m < 1 || n < 2 || m >= n) {
      throw new InvalidArgumentError(`m:n sparsity needs integers 1 ≤ m < n, got ${m}:${n}`, {
        field: 'm',
      });
    }
  }
}

/** Block size [1, 1] is plain unstructured pruning (as in TFMOT). */
export function normalizeStructure(structure: MaskStructure): MaskStructure {
  return structure.kind === 'block' && structure.blockSize[0] === 1 && structure.blockSize[1] === 1
    ? UNSTRUCTURED
    : structure;
}

/** Sparsity a structure aims at given the schedule's target (m:n fixes it to m/n). */
export function structureTarget(structure: MaskStructure, sparsity: number): number {
  return structure.kind === 'mn' ? structure.m / structure.n : sparsity;
}

/** Compute the mask of one weight's values. */
export function computeMask(
  values: ArrayLike<number>,
  shape: readonly number[],
  capabilities: Pick<WeightCapabilities, 'channelAxes'>,
  sparsity: number,
  structure: MaskStructure,
): MaskResult {
  switch (structure.kind) {
    case 'unstructured':
      return magnitudeMask(values, sparsity);
    case 'block':
      return blockMask(values, shape, sparsity, structure.blockSize, structure.pooling);
    case 'mn':
      return mnMask(values, shape, capabilities.channelAxes, structure.m, structure.n);
  }
}

/** The `mask` annotation recorded by strip. */
export function maskAnnotation(
  mask: Uint8Array,
  structure: MaskStructure,
  targetSparsity: number,
): MaskAnnotation {
  const s: MaskAnnotation['structure'] =
    structure.kind === 'block'
      ? { kind: 'block', blockSize: [structure.blockSize[0], structure.blockSize[1]] }
      : structure.kind === 'mn'
        ? { kind: 'mn', m: structure.m, n: structure.n }
        : { kind: 'unstructured' };
  return { mask, structure: s, targetSparsity: structureTarget(structure, targetSparsity) };
}

/** Float32 data of a weight, or a typed error naming the layer. */
export function float32Data(node: Node, slot: string, weight: Weight): Float32Array {
  if (!(weight.tensor.data instanceof Float32Array)) {
    throw new UnsupportedError(
      `pruning needs float32 weights, ${node.name}/${slot} is ${weight.tensor.dtype}`,
      { node: node.name, field: slot },
    );
  }
  return weight.tensor.data;
}

/** Reject a structure the weight cannot take, before any work (e.g. block pruning of a conv kernel). */
export function checkWeightFits(
  node: Node,
  slot: string,
  shape: readonly number[],
  structure: MaskStructure,
  sparsity: number,
): void {
  checkSparsity(sparsity);
  if (structure.kind === 'block' && shape.length !== 2) {
    throw new InvalidArgumentError(
      `block pruning needs rank-2 weights; ${node.name}/${slot} (${node.op}) has shape [${shape.join(', ')}]. Restrict it with ops=[Dense] or exclude the layer`,
      { node: node.name, field: slot },
    );
  }
  if (structure.kind === 'mn' && shape.length < 2) {
    throw new InvalidArgumentError(
      `m:n pruning needs weights of rank ≥ 2; ${node.name}/${slot} has shape [${shape.join(', ')}]`,
      {
        node: node.name,
        field: slot,
      },
    );
  }
}
