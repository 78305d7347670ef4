import { UnsupportedError, type Node } from '@collabopt/core';
import { onnxNodeEmitter } from '../op-mappings';
import type { Emitter } from './emitter';

/** Write the ONNX nodes of one IR node, dispatching on its op (registered mappings first). */
export function emitNode(e: Emitter, node: Node): void {
  const emitter = onnxNodeEmitter(node.op);
  if (emitter === undefined)
    throw new UnsupportedError(
      `op ${node.op} has no ONNX mapping; register one with registerOnnxOp("${node.op}", { export })`,
      { node: node.name },
      'ONNX_UNSUPPORTED_OP',
    );
  emitter(e, node, e.registry.resolveAttrs(node));
}
