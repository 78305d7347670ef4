import { FormatError } from '@collabopt/core';
import { ModelProtoType } from './schema';
import type { ModelProto } from './types';

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
