export { registerOnnxFormat, onnxFormat, looksLikeOnnx } from './format';
export { readOnnx, type ReadOnnxOptions } from './reader/read-onnx';
export type { RelatedReader } from './reader/external-data';
export {
  writeOnnx,
  irVersionForOpset,
  MIN_WRITE_OPSET,
  MAX_WRITE_OPSET,
  type WriteOnnxOptions,
  type OnnxWriteResult,
} from './writer/write-onnx';
export { encodeModel, decodeModel, decodeTensorProto } from './proto/codec';
export type {
  ModelProto,
  GraphProto,
  NodeProto,
  TensorProto,
  AttributeProto,
  ValueInfoProto,
  TypeProto,
  Dimension,
  OperatorSetId,
  StringStringEntry,
  Int64,
} from './proto/types';
export { registerOnnxOp, type OnnxOpMapping } from './op-mappings';
export { onnxExportHelpers, onnxImportHelpers } from './mapping-helpers';
export type { OnnxNodeEmitter } from './writer/ops';
export type { OnnxNodeImporter } from './reader/ops';
export type { Emitter as OnnxEmitContext } from './writer/emitter';
export type {
  ImportContext as OnnxImportContext,
  Sym as OnnxImportedValue,
} from './reader/context';
export type { NodeReader as OnnxNodeReader } from './reader/node-reader';
export type { Const as OnnxConstant } from './reader/fold';
export type { OnnxGraphBuilder } from './writer/onnx-builder';
export type { QdqWriter } from './writer/qdq';
