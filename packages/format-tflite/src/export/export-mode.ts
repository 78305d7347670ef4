import { MODEL_MODES, type ModelMode } from '@collabopt/core';

/** The modes of core's one list this writer writes (docs/quantization-contract.md "Graph-level mode"); not int16x8 yet. */
export type ExportMode = Exclude<ModelMode, 'int16x8'>;

export const EXPORT_MODES: readonly ExportMode[] = MODEL_MODES.filter(
  (m): m is ExportMode => m !== 'int16x8',
);

export function isExportMode(x: unknown): x is ExportMode {
  return typeof x === 'string' && (EXPORT_MODES as readonly string[]).includes(x);
}

/** Full-integer modes: every activation tensor is int8. */
export function isFullInteger(mode: ExportMode): boolean {
  return mode === 'int8' || mode === 'int8-io';
}
