import type { Builder } from 'flatbuffers';
import { invalid } from '../../errors';
import type { FlatTable } from '../flat-reader';
import type { TflTensor } from '../model-types';
import { buildQuantization, readQuantization } from './quantization';
import { buildSparsity, readSparsity } from './sparsity';
import { int32Vector } from './vectors';

/** Tensor: 0 shape, 1 type, 2 buffer, 3 name, 4 quantization, 5 is_variable, 6 sparsity, 7 shape_signature. */
export function readTensor(t: FlatTable, index: number): TflTensor {
  const type = t.i8(1, 0);
  // Types this package does not handle (RESOURCE, VARIANT, ...) are rejected where they are used.
  if (type < 0) throw invalid(`tensor ${index} has invalid type ${type}`, t.pos, t.view.file);
  const shape = t.i32s(0, `tensor ${index} shape`);
  if (shape.some((d) => d < 0))
    throw invalid(
      `tensor ${index} has a negative dimension in shape [${shape.join(', ')}]`,
      t.pos,
      t.view.file,
    );
  const tensor: TflTensor = {
    shape,
    type,
    buffer: t.u32(2, 0),
    name: t.string(3, `tensor ${index} name`) ?? `tensor_${index}`,
  };
  if (t.has(7)) tensor.shapeSignature = t.i32s(7, `tensor ${index} shape_signature`);
  const q = t.table(4, `tensor ${index} quantization`);
  if (q) tensor.quantization = readQuantization(q);
  const s = t.table(6, `tensor ${index} sparsity`);
  if (s) tensor.sparsity = readSparsity(s);
  if (t.bool(5, false)) tensor.isVariable = true;
  return tensor;
}

export function buildTensor(b: Builder, t: TflTensor): number {
  const shape = int32Vector(b, t.shape);
  const name = b.createString(t.name);
  const quant = t.quantization ? buildQuantization(b, t.quantization) : 0;
  const sparsity = t.sparsity ? buildSparsity(b, t.sparsity) : 0;
  const signature = t.shapeSignature ? int32Vector(b, t.shapeSignature) : 0;
  b.startObject(8);
  b.addFieldOffset(0, shape, 0);
  b.addFieldInt8(1, t.type, 0);
  b.addFieldInt32(2, t.buffer, 0);
  b.addFieldOffset(3, name, 0);
  b.addFieldOffset(4, quant, 0);
  b.addFieldInt8(5, t.isVariable ? 1 : 0, 0);
  b.addFieldOffset(6, sparsity, 0);
  b.addFieldOffset(7, signature, 0);
  return b.endObject();
}
