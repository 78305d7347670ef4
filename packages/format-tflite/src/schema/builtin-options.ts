import type { Builder } from 'flatbuffers';
import { invalid } from '../errors';
import type { FlatTable } from './flat-reader';
import type { BuiltinOptions, OptionValue } from './model-types';

type FieldKind = 'i8' | 'i32' | 'f32' | 'bool' | 'i32s';

interface OptionField {
  readonly name: string;
  readonly id: number;
  readonly kind: FieldKind;
  readonly def: number | boolean;
}

interface OptionsTable {
  readonly name: string;
  readonly fields: readonly OptionField[];
}

const f = (
  name: string,
  id: number,
  kind: FieldKind,
  def: number | boolean = kind === 'bool' ? false : 0,
): OptionField => ({
  name,
  id,
  kind,
  def,
});

/** BuiltinOptions union members used here: type id → table layout (tfmot-spec.md §6.3). */
export const BuiltinOptionsType = {
  NONE: 0,
  Conv2DOptions: 1,
  DepthwiseConv2DOptions: 2,
  Pool2DOptions: 5,
  FullyConnectedOptions: 8,
  SoftmaxOptions: 9,
  ResizeBilinearOptions: 15,
  ConcatenationOptions: 10,
  AddOptions: 11,
  ReshapeOptions: 17,
  MulOptions: 21,
  PadOptions: 22,
  ReducerOptions: 27,
  SubOptions: 28,
  DequantizeOptions: 38,
  PadV2Options: 43,
  TransposeConvOptions: 49,
  ResizeNearestNeighborOptions: 74,
  LeakyReluOptions: 75,
  QuantizeOptions: 89,
  HardSwishOptions: 91,
} as const;

const T = BuiltinOptionsType;
const OPTION_TABLES: Readonly<Record<number, OptionsTable>> = {
  [T.Conv2DOptions]: {
    name: 'Conv2DOptions',
    fields: [
      f('padding', 0, 'i8'),
      f('strideW', 1, 'i32'),
      f('strideH', 2, 'i32'),
      f('fusedActivationFunction', 3, 'i8'),
      f('dilationWFactor', 4, 'i32', 1),
      f('dilationHFactor', 5, 'i32', 1),
    ],
  },
  [T.DepthwiseConv2DOptions]: {
    name: 'DepthwiseConv2DOptions',
    fields: [
      f('padding', 0, 'i8'),
      f('strideW', 1, 'i32'),
      f('strideH', 2, 'i32'),
      f('depthMultiplier', 3, 'i32'),
      f('fusedActivationFunction', 4, 'i8'),
      f('dilationWFactor', 5, 'i32', 1),
      f('dilationHFactor', 6, 'i32', 1),
    ],
  },
  [T.Pool2DOptions]: {
    name: 'Pool2DOptions',
    fields: [
      f('padding', 0, 'i8'),
      f('strideW', 1, 'i32'),
      f('strideH', 2, 'i32'),
      f('filterWidth', 3, 'i32'),
      f('filterHeight', 4, 'i32'),
      f('fusedActivationFunction', 5, 'i8'),
    ],
  },
  [T.FullyConnectedOptions]: {
    name: 'FullyConnectedOptions',
    fields: [
      f('fusedActivationFunction', 0, 'i8'),
      f('weightsFormat', 1, 'i8'),
      f('keepNumDims', 2, 'bool'),
      f('asymmetricQuantizeInputs', 3, 'bool'),
    ],
  },
  [T.SoftmaxOptions]: { name: 'SoftmaxOptions', fields: [f('beta', 0, 'f32')] },
  [T.ConcatenationOptions]: {
    name: 'ConcatenationOptions',
    fields: [f('axis', 0, 'i32'), f('fusedActivationFunction', 1, 'i8')],
  },
  [T.AddOptions]: {
    name: 'AddOptions',
    fields: [f('fusedActivationFunction', 0, 'i8'), f('potScaleInt16', 1, 'bool', true)],
  },
  [T.ReshapeOptions]: { name: 'ReshapeOptions', fields: [f('newShape', 0, 'i32s')] },
  [T.MulOptions]: { name: 'MulOptions', fields: [f('fusedActivationFunction', 0, 'i8')] },
  [T.PadOptions]: { name: 'PadOptions', fields: [] },
  [T.ReducerOptions]: { name: 'ReducerOptions', fields: [f('keepDims', 0, 'bool')] },
  [T.SubOptions]: {
    name: 'SubOptions',
    fields: [f('fusedActivationFunction', 0, 'i8'), f('potScaleInt16', 1, 'bool', true)],
  },
  [T.DequantizeOptions]: { name: 'DequantizeOptions', fields: [] },
  [T.PadV2Options]: { name: 'PadV2Options', fields: [] },
  [T.TransposeConvOptions]: {
    name: 'TransposeConvOptions',
    fields: [
      f('padding', 0, 'i8'),
      f('strideW', 1, 'i32'),
      f('strideH', 2, 'i32'),
      f('fusedActivationFunction', 3, 'i8'),
    ],
  },
  // ResizeBilinearOptions: ids 0/1 are the deprecated new_height/new_width.
  [T.ResizeBilinearOptions]: {
    name: 'ResizeBilinearOptions',
    fields: [f('alignCorners', 2, 'bool'), f('halfPixelCenters', 3, 'bool')],
  },
  [T.ResizeNearestNeighborOptions]: {
    name: 'ResizeNearestNeighborOptions',
    fields: [f('alignCorners', 0, 'bool'), f('halfPixelCenters', 1, 'bool')],
  },
  [T.LeakyReluOptions]: { name: 'LeakyReluOptions', fields: [f('alpha', 0, 'f32')] },
  [T.QuantizeOptions]: { name: 'QuantizeOptions', fields: [] },
  [T.HardSwishOptions]: { name: 'HardSwishOptions', fields: [] },
};

/** Read a builtin options table of a known union type; unknown types are kept as absent options. */
export function readBuiltinOptions(
  type: number,
  table: FlatTable | undefined,
): BuiltinOptions | undefined {
  const spec = OPTION_TABLES[type];
  if (spec === undefined || table === undefined) return undefined;
  const out: BuiltinOptions = {};
  for (const fld of spec.fields) {
    switch (fld.kind) {
      case 'i8':
        out[fld.name] = table.i8(fld.id, fld.def as number);
        break;
      case 'i32':
        out[fld.name] = table.i32(fld.id, fld.def as number);
        break;
      case 'f32':
        out[fld.name] = table.f32(fld.id, fld.def as number);
        break;
      case 'bool':
        out[fld.name] = table.bool(fld.id, fld.def as boolean);
        break;
      case 'i32s':
        out[fld.name] = table.i32s(fld.id, `${spec.name}.${fld.name}`);
        break;
    }
  }
  return out;
}

/** Serialize an options table; fields equal to the schema default are omitted. */
export function buildBuiltinOptions(
  b: Builder,
  type: number,
  options: BuiltinOptions = {},
): number {
  const spec = OPTION_TABLES[type];
  if (spec === undefined) throw invalid(`no builtin options layout for union type ${type}`);
  const vectors = new Map<string, number>();
  for (const fld of spec.fields) {
    const v = options[fld.name];
    if (fld.kind === 'i32s' && Array.isArray(v)) vectors.set(fld.name, buildInt32Vector(b, v));
  }
  b.startObject(spec.fields.reduce((m, x) => Math.max(m, x.id + 1), 0));
  for (const fld of spec.fields) {
    const v: OptionValue | undefined = options[fld.name];
    if (v === undefined) continue;
    switch (fld.kind) {
      case 'i8':
        b.addFieldInt8(fld.id, v as number, fld.def as number);
        break;
      case 'i32':
        b.addFieldInt32(fld.id, v as number, fld.def as number);
        break;
      case 'f32':
        b.addFieldFloat32(fld.id, v as number, fld.def as number);
        break;
      case 'bool':
        b.addFieldInt8(fld.id, v ? 1 : 0, fld.def ? 1 : 0);
        break;
      case 'i32s':
        b.addFieldOffset(fld.id, vectors.get(fld.name)!, 0);
        break;
    }
  }
  return b.endObject();
}

export function buildInt32Vector(b: Builder, values: readonly number[]): number {
  b.startVector(4, values.length, 4);
  for (let i = values.length - 1; i >= 0; i--) b.addInt32(values[i]!);
  return b.endVector();
}
