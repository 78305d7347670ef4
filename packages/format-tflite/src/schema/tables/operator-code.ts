import type { Builder } from 'flatbuffers';
import { deprecatedBuiltinCode } from '../enums';
import type { FlatTable } from '../flat-reader';
import type { TflOperatorCode } from '../model-types';

/** OperatorCode: 0 deprecated_builtin_code (i8), 1 custom_code, 2 version (=1), 3 builtin_code (i32). */
export function readOperatorCode(t: FlatTable, index: number): TflOperatorCode {
  const deprecated = t.i8(0, 0);
  const builtin = t.i32(3, 0);
  const code: TflOperatorCode = {
    builtinCode: Math.max(deprecated, builtin),
    version: t.i32(2, 1),
  };
  const custom = t.string(1, `operator code ${index} custom_code`);
  if (custom !== undefined) code.customCode = custom;
  return code;
}

/** Both code fields are written: Arm NN reads only the deprecated one. */
export function buildOperatorCode(b: Builder, c: TflOperatorCode): number {
  const custom = c.customCode !== undefined ? b.createString(c.customCode) : 0;
  b.startObject(4);
  b.addFieldInt8(0, deprecatedBuiltinCode(c.builtinCode), null);
  b.addFieldOffset(1, custom, 0);
  b.addFieldInt32(2, c.version, null);
  b.addFieldInt32(3, c.builtinCode, null);
  return b.endObject();
}
