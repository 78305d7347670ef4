import { GraphBuilder, type Graph } from '@collabopt/core';

/**
 * Test fixture: input [−1, 4] → Dense "hidden" (4×3 kernel) → Dense "logits" (3×2 kernel), with
 * the hidden kernel set to the given 12 values.
 */
export function twoDenseGraph(hiddenKernel: readonly number[]): Graph {
  const b = new GraphBuilder('two-dense', { seed: 3 });
  const x = b.input('input', [-1, 4]);
  const h = b.layer('Dense', 'hidden', x, { units: 3, activation: 'relu' });
  const g = b.build(b.layer('Dense', 'logits', h, { units: 2 }));
  (g.node('hidden').weight('kernel').tensor.data as Float32Array).set(hiddenKernel);
  return g;
}

/** baseline → pruned → clustered (3 centroids, 0 kept) → quantized (int8 grid, step 0.05). */
export function seedPathGraphs(): Graph[] {
  const baseline = twoDenseGraph([
    -0.5, -0.31, -0.2, -0.04, -0.02, 0.01, 0.03, 0.12, 0.2, 0.33, 0.41, 0.5,
  ]);
  const pruned = twoDenseGraph([-0.5, -0.31, -0.2, 0, 0, 0, 0, 0.12, 0.2, 0.33, 0.41, 0.5]);
  const centroids = [-0.4, 0, 0.35];
  const indices = [0, 0, 0, 1, 1, 1, 1, 2, 2, 2, 2, 2];
  const clustered = twoDenseGraph(indices.map((i) => centroids[i]!));
  clustered.node('hidden').weight('kernel').annotations.codebook = {
    centroids: Float32Array.from(centroids),
    indices: Uint8Array.from(indices),
    clusters: 3,
    zeroCentroid: [1],
  };
  const quantized = twoDenseGraph(indices.map((i) => [-0.4, 0, 0.35][i]!));
  quantized.node('hidden').weight('kernel').annotations.quant = {
    dtype: 'int8',
    scale: Float32Array.of(0.05),
    zeroPoint: Int32Array.of(0),
    bits: 8,
    narrowRange: true,
  };
  return [baseline, pruned, clustered, quantized];
}
