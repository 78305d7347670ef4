import { UnsupportedError } from '@collabopt/core';
import { onnxNodeImporter } from '../op-mappings';
import type { ImportContext } from './context';
import type { NodeReader } from './node-reader';
import { foldShapeOps } from './ops/constant-folding';

/**
 * ONNX Runtime's contrib QuantizeLinear/DequantizeLinear (domain com.microsoft): the default-domain
 * ops with 4- and 16-bit types, which its quantizer writes for models below opset 21.
 */
const CONTRIB_QDQ_DOMAIN = 'com.microsoft';
const CONTRIB_QDQ_OPS = new Set(['QuantizeLinear', 'DequantizeLinear']);

/**
 * Import one ONNX node: fold it when its inputs are constants, else dispatch on its domain and op
 * type (registered mappings first).
 */
export function importNode(ctx: ImportContext, r: NodeReader): void {
  const domain = r.node.domain ?? '';
  const op = r.node.opType ?? '';
  const importer =
    onnxNodeImporter(domain, op) ??
    (domain === CONTRIB_QDQ_DOMAIN && CONTRIB_QDQ_OPS.has(op)
      ? onnxNodeImporter('', op)
      : undefined);
  const defaultDomain = domain === '' || domain === 'ai.onnx';
  if (!defaultDomain && importer === undefined) {
    throw new UnsupportedError(
      `op ${op} of domain "${domain}" is not supported (default-domain opset ${ctx.opset}); register an importer with registerOnnxOp(irOp, { import: { "${domain}:${op}": ... } })`,
      r.where,
      'ONNX_UNSUPPORTED_OP',
    );
  }
  if (defaultDomain && foldShapeOps(ctx, r)) return;
  if (importer === undefined)
    throw new UnsupportedError(
      `unsupported op ${op || '(empty)'} (domain "${domain}", opset ${ctx.opset})`,
      r.where,
      'ONNX_UNSUPPORTED_OP',
    );
  importer(ctx, r);
}
