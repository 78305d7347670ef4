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
export { registerTfliteOp, type TfliteOpMapping } from './op-mappings';
export { tfliteExportHelpers, tfliteImportHelpers } from './mapping-helpers';
export { BuiltinOptionsType } from './schema/builtin-options';
export type { NodeExporter as TfliteNodeExporter } from './export/ops';
export type {
  ExportContext as TfliteExportContext,
  KernelInput,
  WeightSource,
} from './export/context';
export type { KernelKind } from './export/op-versions';
export type { OperatorImporter as TfliteOperatorImporter } from './import/ops/common';
export type { ImportContext as TfliteImportContext } from './import/context';
