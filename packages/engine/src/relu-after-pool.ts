import type { Graph, Node, OpRegistry } from '@collabopt/core';
import { builtinKernels } from './builtin-kernels';
import type { KernelRegistry } from './kernel-registry';

/**
 * max(relu(z)) = relu(max(z)) over every pooling window, and the gradients agree too (both orders
 * send the gradient to the window's first maximum of z, or nowhere when that maximum is ≤ 0). So a
 * fused ReLU whose only reader is a max pool can run after the pool, on a tensor 4× smaller for
 * 2×2 pooling: the forward ReLU and its gradient cost a quarter. `enabled` exists for tests.
 */
export const RELU_AFTER_POOL = { enabled: true };

/** Built-in ops that apply their fused `activation` attribute last. */
const ACTIVATION_LAST = new Set([
  'Conv2D',
  'DepthwiseConv2D',
  'SeparableConv2D',
  'Conv2DTranspose',
  'Dense',
]);

const MAX_POOLS = new Set(['MaxPool2D', 'GlobalMaxPool']);

/**
 * Producers whose fused ReLU may move after the max pool reading their output, mapped to that
 * pool. Only built-in kernels (whose activation is applied last) and outputs read by the pool
 * alone, never graph outputs.
 */
export function reluPoolPairs(
  graph: Graph,
  registry: OpRegistry,
  kernels: KernelRegistry,
): Map<Node, Node> {
  const pairs = new Map<Node, Node>();
  const builtin = builtinKernels();
  for (const node of graph.nodes) {
    if (!ACTIVATION_LAST.has(node.op) || node.outputs.length !== 1) continue;
    if (!kernels.has(node.op) || kernels.get(node.op) !== builtin.get(node.op)) continue;
    if (registry.resolveAttrs(node)['activation'] !== 'relu') continue;
    const value = node.outputs[0]!;
    if (graph.outputs.includes(value)) continue;
    const readers = graph.consumers(value);
    const pool = readers[0];
    if (readers.length !== 1 || pool === undefined || !MAX_POOLS.has(pool.op)) continue;
    if (pool.inputs.length !== 1 || !kernels.has(pool.op)) continue;
    if (kernels.get(pool.op) !== builtin.get(pool.op)) continue;
    pairs.set(node, pool);
  }
  return pairs;
}
