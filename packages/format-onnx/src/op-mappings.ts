/**
 * ONNX mappings registrable per IR op, like `registerKerasLayer`: a custom op is one OpRegistry
 * entry plus, here, how it is written as ONNX nodes and which ONNX nodes read back into it.
 */
import { InvalidArgumentError } from '@collabopt/core';
import { NODE_IMPORTERS, type OnnxNodeImporter } from './reader/ops';
import { NODE_EMITTERS, type OnnxNodeEmitter } from './writer/ops';

export interface OnnxOpMapping {
  /** Writes an IR node of the op as ONNX nodes (float, or QDQ when the graph is written as QDQ). */
  readonly export?: OnnxNodeEmitter;
  /**
   * Importers of ONNX node types that become IR nodes of the op, keyed by op type for the default
   * domain (`"Gemm"`) or `"domain:OpType"` for others (`"com.example:ScaledDense"`).
   */
  readonly import?: Readonly<Record<string, OnnxNodeImporter>>;
}

const customEmitters = new Map<string, OnnxNodeEmitter>();
const customImporters = new Map<string, OnnxNodeImporter>();

const DEFAULT_DOMAINS = new Set(['', 'ai.onnx']);

function importKey(domain: string, opType: string): string {
  return DEFAULT_DOMAINS.has(domain) ? opType : `${domain}:${opType}`;
}

/**
 * Teach the ONNX writer and reader an IR op (a custom op, or one this package lacks). Registering
 * a mapping this package already has throws unless `replace` is set.
 */
export function registerOnnxOp(
  op: string,
  mapping: OnnxOpMapping,
  options: { replace?: boolean } = {},
): void {
  const taken: string[] = [];
  if (mapping.export && (customEmitters.has(op) || Object.hasOwn(NODE_EMITTERS, op)))
    taken.push(`an ONNX exporter for op "${op}"`);
  for (const key of Object.keys(mapping.import ?? {})) {
    const [domain, type] = key.includes(':') ? key.split(':', 2) : ['', key];
    const k = importKey(domain!, type!);
    if (customImporters.has(k) || (!k.includes(':') && Object.hasOwn(NODE_IMPORTERS, k)))
      taken.push(`an ONNX importer for "${key}"`);
  }
  if (taken.length > 0 && !options.replace)
    throw new InvalidArgumentError(
      `${taken.join(' and ')} is already registered; pass { replace: true } to override it`,
    );
  if (mapping.export) customEmitters.set(op, mapping.export);
  for (const [key, importer] of Object.entries(mapping.import ?? {})) {
    const [domain, type] = key.includes(':') ? key.split(':', 2) : ['', key];
    customImporters.set(importKey(domain!, type!), importer);
  }
}

/** The exporter of an IR op: a registered one first, then the built-in one. */
export function onnxNodeEmitter(op: string): OnnxNodeEmitter | undefined {
  return (
    customEmitters.get(op) ?? (Object.hasOwn(NODE_EMITTERS, op) ? NODE_EMITTERS[op] : undefined)
  );
}

/** The importer of an ONNX node type: a registered one first, then the built-in one (default domain). */
export function onnxNodeImporter(domain: string, opType: string): OnnxNodeImporter | undefined {
  const key = importKey(domain, opType);
  return (
    customImporters.get(key) ??
    (key === opType && Object.hasOwn(NODE_IMPORTERS, key) ? NODE_IMPORTERS[key] : undefined)
  );
}

/** Whether an ONNX node of this domain has a registered importer (non-default domains). */
export function hasOnnxImporter(domain: string, opType: string): boolean {
  return onnxNodeImporter(domain, opType) !== undefined;
}
