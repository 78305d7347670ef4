import { UnsupportedError } from '@collabopt/core';
import type { ImportContext } from './context';
import type { NodeReader } from './node-reader';
import { foldShapeOps } from './ops/constant-folding';
import { NODE_IMPORTERS } from './ops';

/** Import one ONNX node: fold it when its inputs are constants, else dispatch on its op type. */
export function importNode(ctx: ImportContext, r: NodeReader): void {
  if (foldShapeOps(ctx, r)) return;
  const op = r.node.opType ?? '';
  const importer = Object.hasOwn(NODE_IMPORTERS, op) ? NODE_IMPORTERS[op] : undefined;
  if (importer === undefined)
    throw new UnsupportedError(
      `unsupported op ${op || '(empty)'} (domain "${r.node.domain ?? ''}", opset ${ctx.opset})`,
      r.where,
      'ONNX_UNSUPPORTED_OP',
    );
  importer(ctx, r);
}
