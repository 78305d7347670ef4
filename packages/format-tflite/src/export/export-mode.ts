/** What kind of TFLite file the writer produces (docs/quantization-contract.md "Graph-level mode"). */
export type ExportMode = 'float32' | 'float16' | 'dynamic' | 'int8' | 'int8-io';

export const EXPORT_MODES: readonly ExportMode[] = [
  'float32',
  'float16',
  'dynamic',
  'int8',
  'int8-io',
];

export function isExportMode(x: unknown): x is ExportMode {
  return typeof x === 'string' && (EXPORT_MODES as readonly string[]).includes(x);
}

/** Full-integer modes: every activation tensor is int8. */
export function isFullInteger(mode: ExportMode): boolean {
  return mode === 'int8' || mode === 'int8-io';
}
