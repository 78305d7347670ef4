/** What kind of TFLite file the writer produces (docs/quantization-contract.md "Graph-level mode"). */
export type ExportMode = 'float32' | 'float16' | 'dynamic' | 'int8' | 'int8-io' | 'int16x8';

export const EXPORT_MODES: readonly ExportMode[] = [
  'float32',
  'float16',
  'dynamic',
  'int8',
  'int8-io',
  'int16x8',
];

export function isExportMode(x: unknown): x is ExportMode {
  return typeof x === 'string' && (EXPORT_MODES as readonly string[]).includes(x);
}

/** Full-integer modes: every activation tensor is an integer (int8, or int16 in 16x8). */
export function isFullInteger(mode: ExportMode): boolean {
  return mode === 'int8' || mode === 'int8-io' || mode === 'int16x8';
}

/** Modes with float graph inputs/outputs around an integer model (QUANTIZE in, DEQUANTIZE out). */
export function hasFloatIo(mode: ExportMode): boolean {
  return mode === 'int8' || mode === 'int16x8';
}
