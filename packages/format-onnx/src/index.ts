export { registerOnnxFormat, onnxFormat, looksLikeOnnx } from './format';
export { readOnnx, type ReadOnnxOptions } from './reader/read-onnx';
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
