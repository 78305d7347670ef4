import { MODEL_MODES, type ModelMode } from '@collabopt/core';

/** The modes of core's one list (docs/quantization-contract.md "Graph-level mode"); the writer writes them all. */
export type ExportMode = ModelMode;

export const EXPORT_MODES: readonly ExportMode[] = MODEL_MODES;

export function isExportMode(x: unknown): x is ExportMode {
  return typeof x === 'string' && (EXPORT_MODES as readonly string[]).includes(x);
}

export { isFullInteger } from '@collabopt/core';

/** Modes with float graph inputs/outputs around an integer model (QUANTIZE in, DEQUANTIZE out). */
export function hasFloatIo(mode: ExportMode): boolean {
  return mode === 'int8' || mode === 'int16x8';
}
