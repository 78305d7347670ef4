/**
 * TFLite mappings registrable per IR op, like `registerKerasLayer`: a custom op is one OpRegistry
 * entry plus, here, how it is written as TFLite operators and which operators read back into it.
 */
import { InvalidArgumentError } from '@collabopt/core';
import { NODE_EXPORTERS, type NodeExporter } from './export/ops';
import { OPERATOR_IMPORTERS } from './import/ops';
import type { OperatorImporter } from './import/ops/common';

export interface TfliteOpMapping {
  /** Writes an IR node of the op as TFLite operators (every export mode the mapping supports). */
  readonly export?: NodeExporter;
  /** Importers of TFLite operators that become IR nodes of the op. */
  readonly import?: {
    /** By builtin operator code (`BuiltinOperator.FULLY_CONNECTED`). */
    readonly builtin?: Readonly<Record<number, OperatorImporter>>;
    /** By the custom code of a CUSTOM operator. */
    readonly custom?: Readonly<Record<string, OperatorImporter>>;
  };
}

const customExporters = new Map<string, NodeExporter>();
const builtinImporters = new Map<number, OperatorImporter>();
const customCodeImporters = new Map<string, OperatorImporter>();

/**
 * Teach the TFLite writer and reader an IR op (a custom op, or one this package lacks). Registering
 * a mapping this package already has throws unless `replace` is set.
 */
export function registerTfliteOp(
  op: string,
  mapping: TfliteOpMapping,
  options: { replace?: boolean } = {},
): void {
  const builtin = Object.entries(mapping.import?.builtin ?? {}).map(
    ([k, v]) => [Number(k), v] as const,
  );
  const custom = Object.entries(mapping.import?.custom ?? {});
  const taken: string[] = [];
  if (mapping.export && (customExporters.has(op) || Object.hasOwn(NODE_EXPORTERS, op)))
    taken.push(`a TFLite exporter for op "${op}"`);
  for (const [code] of builtin)
    if (builtinImporters.has(code) || Object.hasOwn(OPERATOR_IMPORTERS, code))
      taken.push(`a TFLite importer for builtin operator ${code}`);
  for (const [code] of custom)
    if (customCodeImporters.has(code)) taken.push(`a TFLite importer for custom code "${code}"`);
  if (taken.length > 0 && !options.replace)
    throw new InvalidArgumentError(
      `${taken.join(' and ')} is already registered; pass { replace: true } to override it`,
    );
  if (mapping.export) customExporters.set(op, mapping.export);
  for (const [code, importer] of builtin) builtinImporters.set(code, importer);
  for (const [code, importer] of custom) customCodeImporters.set(code, importer);
}

/** The exporter of an IR op: a registered one first, then the built-in one. */
export function tfliteNodeExporter(op: string): NodeExporter | undefined {
  return (
    customExporters.get(op) ?? (Object.hasOwn(NODE_EXPORTERS, op) ? NODE_EXPORTERS[op] : undefined)
  );
}

/** IR ops the writer can export (built-in and registered). */
export function tfliteExportableOps(): string[] {
  return [...new Set([...Object.keys(NODE_EXPORTERS), ...customExporters.keys()])];
}

/** The importer of an operator code: registered first, then built-in; custom codes only when registered. */
export function tfliteOperatorImporter(code: {
  builtinCode: number;
  customCode?: string;
}): OperatorImporter | undefined {
  if (code.customCode !== undefined) return customCodeImporters.get(code.customCode);
  return (
    builtinImporters.get(code.builtinCode) ??
    (Object.hasOwn(OPERATOR_IMPORTERS, code.builtinCode)
      ? OPERATOR_IMPORTERS[code.builtinCode]
      : undefined)
  );
}
