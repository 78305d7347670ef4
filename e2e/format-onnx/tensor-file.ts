/** Read the TensorProto files (input_N.pb / output_N.pb) of the ONNX backend test data. */
import type { Tensor } from '@collabopt/core';
import { decodeTensorProto } from '@collabopt/format-onnx';

export function decodeTensor(bytes: Uint8Array): { name: string; tensor: Tensor } {
  return decodeTensorProto(bytes);
}
