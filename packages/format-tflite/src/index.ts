export { parseModel, serializeModel, hasTfliteIdentifier, TFLITE_IDENTIFIER } from './schema/tables/model';
export type * from './schema/model-types';
export { writeTflite, resolveExportMode, type TfliteWriteOptions } from './export/writer';
export { EXPORT_MODES, type ExportMode } from './export/export-mode';
