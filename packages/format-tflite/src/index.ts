export { readTflite, type TfliteReadOptions } from './import/reader';
export { writeTflite, resolveExportMode, type TfliteWriteOptions } from './export/writer';
export { EXPORT_MODES, type ExportMode } from './export/export-mode';
export { registerTfliteFormat, tfliteFormat } from './format';
export {
  parseModel,
  serializeModel,
  hasTfliteIdentifier,
  TFLITE_IDENTIFIER,
} from './schema/tables/model';
export { BuiltinOperator, TensorType, builtinOperatorName } from './schema/enums';
export type * from './schema/model-types';
