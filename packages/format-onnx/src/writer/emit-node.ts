import { UnsupportedError, type Node } from '@collabopt/core';
import type { Emitter } from './emitter';
import { NODE_EMITTERS } from './ops';

/** Write the ONNX nodes of one IR node, dispatching on its op. */
export function emitNode(e: Emitter, node: Node): void {
  const emitter = Object.hasOwn(NODE_EMITTERS, node.op) ? NODE_EMITTERS[node.op] : undefined;
  if (emitter === undefined)
    throw new UnsupportedError(
      `op ${node.op} has no ONNX mapping`,
      { node: node.name },
      'ONNX_UNSUPPORTED_OP',
    );
  emitter(e, node, e.registry.resolveAttrs(node));
}
