import type { Builder } from 'flatbuffers';
import { buildBuiltinOptions, readBuiltinOptions } from '../builtin-options';
import type { FlatTable } from '../flat-reader';
import type { TflOperator } from '../model-types';
import { int32Vector } from './vectors';

/** Operator: 0 opcode_index, 1 inputs, 2 outputs, 3 builtin_options_type, 4 builtin_options. */
export function readOperator(t: FlatTable, index: number): TflOperator {
  const type = t.u8(3, 0);
  const op: TflOperator = {
    opcodeIndex: t.u32(0, 0),
    inputs: t.i32s(1, `operator ${index} inputs`),
    outputs: t.i32s(2, `operator ${index} outputs`),
    builtinOptionsType: type,
  };
  const options = readBuiltinOptions(
    type,
    type === 0 ? undefined : t.table(4, `operator ${index} builtin_options`),
  );
  if (options) op.builtinOptions = options;
  return op;
}

export function buildOperator(b: Builder, op: TflOperator): number {
  const inputs = int32Vector(b, op.inputs);
  const outputs = int32Vector(b, op.outputs);
  const options =
    op.builtinOptionsType !== 0
      ? buildBuiltinOptions(b, op.builtinOptionsType, op.builtinOptions)
      : 0;
  b.startObject(5);
  b.addFieldInt32(0, op.opcodeIndex, 0);
  b.addFieldOffset(1, inputs, 0);
  b.addFieldOffset(2, outputs, 0);
  b.addFieldInt8(3, op.builtinOptionsType, 0);
  b.addFieldOffset(4, options, 0);
  return b.endObject();
}
