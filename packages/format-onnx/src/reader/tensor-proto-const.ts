/** A TensorProto (initializer or Constant value) as a reader constant, 4-bit tensors included. */
import type { ErrorLocation } from '@collabopt/core';
import { fromTensorProto } from '../proto/tensor-proto';
import type { TensorProto } from '../proto/types';
import { constFromTensor, type Const } from './fold';
import { fourBitConst, isFourBitTensor } from './four-bit-tensor';

export function tensorProtoConst(
  proto: TensorProto,
  where: ErrorLocation & { field?: string },
  external?: Uint8Array,
): Const {
  return isFourBitTensor(proto)
    ? fourBitConst(proto, where, external)
    : constFromTensor(fromTensorProto(proto, where, external));
}
