import { FormatError, type Tensor } from '@collabopt/core';
import { ModelProtoType, TensorProtoType } from './schema';
import { fromTensorProto } from './tensor-proto';
import type { ModelProto, TensorProto } from './types';

/** Serialise a ModelProto. */
export function encodeModel(model: ModelProto): Uint8Array {
  const message = ModelProtoType.fromObject(model as Record<string, unknown>);
  return ModelProtoType.encode(message).finish();
}

/** Parse ModelProto bytes; anything protobufjs rejects becomes a typed FormatError. */
export function decodeModel(bytes: Uint8Array, file?: string): ModelProto {
  try {
    return ModelProtoType.decode(bytes) as unknown as ModelProto;
  } catch (e) {
    throw new FormatError(
      `not a valid ONNX protobuf: ${(e as Error).message}`,
      file === undefined ? {} : { file },
      'ONNX_INVALID_PROTOBUF',
    );
  }
}

/** Parse a serialised TensorProto (e.g. the input_N.pb files of ONNX test data) into a named core tensor. */
export function decodeTensorProto(
  bytes: Uint8Array,
  file?: string,
): { name: string; tensor: Tensor } {
  let proto: TensorProto;
  try {
    proto = TensorProtoType.decode(bytes) as unknown as TensorProto;
  } catch (e) {
    throw new FormatError(
      `not a valid ONNX TensorProto: ${(e as Error).message}`,
      file === undefined ? {} : { file },
      'ONNX_INVALID_PROTOBUF',
    );
  }
  return {
    name: proto.name ?? '',
    tensor: fromTensorProto(proto, file === undefined ? {} : { file }),
  };
}
