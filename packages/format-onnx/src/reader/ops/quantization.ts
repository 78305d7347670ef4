/**
 * QuantizeLinear / DequantizeLinear (QDQ models: collabopt's int8 output, ONNX Runtime's
 * quantizer output). They import *dequantized* into the float IR and their quantization is kept
 * as annotations (docs/quantization-contract.md): a DequantizeLinear of an integer initializer
 * becomes the float constant with its parameters remembered for the weight slot that reads it; a
 * QuantizeLinear → DequantizeLinear pair on a computed tensor becomes the `quant` and `range`
 * annotation of that IR value.
 */
import type { QuantAnnotation, Weight, Tensor } from '@collabopt/core';
import {
  type ConstQuant,
  type ImportContext,
  type Sym,
  alias,
  constIn,
  entry,
  optConstIn,
  outName,
} from '../context';
import { makeConst, normAxis, type Const } from '../fold';
import type { NodeReader } from '../node-reader';

type IntType = 'int8' | 'uint8' | 'int16' | 'int32';

const INT_RANGE: Record<IntType, [number, number]> = {
  int8: [-128, 127],
  uint8: [0, 255],
  int16: [-32768, 32767],
  int32: [-(2 ** 31), 2 ** 31 - 1],
};

/** ONNX TensorProto data types of QuantizeLinear's `output_dtype` attribute (21/22: UINT4/INT4). */
const OUTPUT_DTYPES: Record<number, { dtype: IntType; bits: 4 | 8 | 16 }> = {
  2: { dtype: 'uint8', bits: 8 },
  3: { dtype: 'int8', bits: 8 },
  5: { dtype: 'int16', bits: 16 },
  21: { dtype: 'uint8', bits: 4 },
  22: { dtype: 'int8', bits: 4 },
};

/** Code range of an integer type with `bits` bits (4-bit codes are held as int8/uint8). */
function codeRange(dtype: IntType, bits: number): [number, number] {
  if (bits !== 4) return INT_RANGE[dtype];
  return dtype === 'uint8' ? [0, 15] : [-8, 7];
}

/** The bit width of a quantized type as ONNX names it (INT4 constants carry bits = 4). */
function bitsOf(dtype: IntType, c?: Const): 4 | 8 | 16 | 32 {
  if (c?.bits === 4) return 4;
  return dtype === 'int16' ? 16 : dtype === 'int32' ? 32 : 8;
}

function typeName(dtype: IntType, bits: number): string {
  return bits === 4 ? (dtype === 'uint8' ? 'uint4' : 'int4') : dtype;
}

interface Params {
  dtype: IntType;
  bits: 4 | 8 | 16 | 32;
  scale: Float32Array;
  zeroPoint: Int32Array;
  axis?: number;
}

function intType(r: NodeReader, dtype: string, what: string): IntType {
  if (dtype === 'int8' || dtype === 'uint8' || dtype === 'int16' || dtype === 'int32') return dtype;
  return r.fail(`${what} of type ${dtype} is not supported (int8, uint8, int16, int32)`);
}

/** Scale, zero point and axis of a Q/DQ node for an input of the given rank. */
function params(
  ctx: ImportContext,
  r: NodeReader,
  rank: number,
  data?: { dtype: IntType; bits: 4 | 8 | 16 | 32 },
): Params {
  if (r.int('block_size', 0) > 0)
    r.fail(
      'blocked quantization (block_size) is supported only for DequantizeLinear of a constant weight',
    );
  const s = constIn(ctx, r, 1, 'scale');
  const zp = optConstIn(ctx, r, 2, 'zero point');
  const outputDtype = OUTPUT_DTYPES[r.int('output_dtype', 0)];
  const type = zp
    ? intType(r, zp.dtype, 'zero point')
    : (data?.dtype ?? outputDtype?.dtype ?? ('uint8' as const));
  const bits = zp ? bitsOf(type, zp) : (data?.bits ?? outputDtype?.bits ?? bitsOf(type));
  const n = s.values.length;
  if (zp && zp.values.length !== n)
    r.fail(`zero point has ${zp.values.length} values for ${n} scales`, 'ONNX_BAD_QUANTIZATION');
  const scale = Float32Array.from(s.values);
  if (scale.some((v) => !(v > 0) || !Number.isFinite(v)))
    r.fail('scales must be positive and finite', 'ONNX_BAD_QUANTIZATION');
  const zeroPoint = Int32Array.from(zp ? zp.values : new Array<number>(n).fill(0));
  const perAxis = s.shape.length > 0 && n > 1;
  return {
    dtype: type,
    bits,
    scale,
    zeroPoint,
    // (axis defaults to 1; a 1-D per-axis tensor, e.g. a bias, can only mean axis 0)
    ...(perAxis ? { axis: normAxis(r.int('axis', rank === 1 ? 0 : 1), rank, r.where) } : {}),
  };
}

/** Channel index of each flat element along `axis` (undefined axis: all zero). */
function channelOf(shape: readonly number[], axis: number | undefined): (i: number) => number {
  if (axis === undefined) return () => 0;
  const inner = shape.slice(axis + 1).reduce((a, b) => a * b, 1);
  const count = shape[axis]!;
  return (i) => Math.floor(i / inner) % count;
}

export function importDequantizeLinear(ctx: ImportContext, r: NodeReader): void {
  const e = entry(ctx, r, 0);
  if (e === undefined) r.fail('input 0 is missing', 'ONNX_INVALID_MODEL');
  if (e.kind === 'const') {
    const dtype = intType(r, e.c.dtype, 'a quantized constant');
    const bits = bitsOf(dtype, e.c);
    if (r.int('block_size', 0) > 0) {
      importBlockedWeight(ctx, r, e.c, dtype, bits);
      return;
    }
    const p = params(ctx, r, e.c.shape.length, { dtype, bits });
    if (p.dtype !== dtype || p.bits !== bits)
      r.fail(
        `zero point type ${typeName(p.dtype, p.bits)} differs from the data type ${typeName(dtype, bits)}`,
        'ONNX_BAD_QUANTIZATION',
      );
    if (p.axis !== undefined && e.c.shape[p.axis] !== p.scale.length)
      r.fail(
        `${p.scale.length} scales for axis ${p.axis} of a constant of shape [${e.c.shape.join(', ')}]`,
        'ONNX_BAD_QUANTIZATION',
      );
    const ch = channelOf(e.c.shape, p.axis);
    const codes = e.c.values;
    const values = new Float64Array(codes.length);
    // narrow: a signed type whose lowest code (−128, or −8 for int4) never occurs
    const [lowest] = codeRange(dtype, bits);
    let narrow = dtype === 'int8';
    for (let i = 0; i < codes.length; i++) {
      const c = ch(i);
      // float32 arithmetic, as ONNX Runtime computes DequantizeLinear
      values[i] = Math.fround(Math.fround(codes[i]! - p.zeroPoint[c]!) * p.scale[c]!);
      if (codes[i]! <= lowest) narrow = false;
    }
    const out = makeConst('float32', e.c.shape, values, r.where);
    const quant: ConstQuant = {
      dtype: dtype === 'int16' ? r.fail('int16 weights are not supported') : dtype,
      bits: bits === 4 ? 4 : dtype === 'int32' ? 32 : 8,
      scale: p.scale,
      zeroPoint: p.zeroPoint,
      ...(p.axis !== undefined ? { axis: p.axis } : {}),
      narrow,
    };
    ctx.constQuant.set(out, quant);
    ctx.table.set(outName(r), { kind: 'const', c: out });
    ctx.qdq.weights++;
    return;
  }
  if (!e.quantized)
    r.fail(
      'DequantizeLinear of a computed tensor that no QuantizeLinear produced (integer model inputs) is not supported',
    );
  const q = e.quantized;
  const p = params(ctx, r, e.v.shape?.length ?? 0);
  const asInt8 = activationAnnotation(p, r);
  if (asInt8.scale[0] !== q.scale[0] || asInt8.zeroPoint[0] !== q.zeroPoint[0])
    r.fail(
      'dequantizes with parameters that differ from its QuantizeLinear (a requantization the IR has no op for)',
      'ONNX_BAD_QUANTIZATION',
    );
  const { quantized: _, ...plain } = e;
  void _;
  alias(ctx, r, plain);
}

/**
 * DequantizeLinear of a constant with `block_size` (opset 21 blocked quantization): scale and zero
 * point have the data's shape except along `axis`, where each entry covers `block_size`
 * consecutive elements. The weight is read as its exact float values; the IR's quant annotation has
 * one scale per channel at most, so the blocked parameters are not kept (counted as dropped).
 */
function importBlockedWeight(
  ctx: ImportContext,
  r: NodeReader,
  data: Const,
  dtype: IntType,
  bits: 4 | 8 | 16 | 32,
): void {
  const shape = data.shape;
  const block = r.int('block_size', 0);
  const axis = normAxis(r.int('axis', 1), shape.length, r.where);
  const s = constIn(ctx, r, 1, 'scale');
  const zp = optConstIn(ctx, r, 2, 'zero point');
  const blocks = Math.ceil(shape[axis]! / block);
  const expected = shape.map((d, i) => (i === axis ? blocks : d));
  const same = (a: readonly number[]) =>
    a.length === expected.length && a.every((d, i) => d === expected[i]);
  if (!same(s.shape))
    r.fail(
      `blocked scale has shape [${s.shape.join(', ')}]; block_size ${block} on axis ${axis} of [${shape.join(', ')}] needs [${expected.join(', ')}]`,
      'ONNX_BAD_QUANTIZATION',
    );
  if (zp) {
    if (!same(zp.shape))
      r.fail(
        `blocked zero point has shape [${zp.shape.join(', ')}], expected [${expected.join(', ')}]`,
        'ONNX_BAD_QUANTIZATION',
      );
    const zpType = intType(r, zp.dtype, 'zero point');
    if (zpType !== dtype || bitsOf(zpType, zp) !== bits)
      r.fail(
        `zero point type ${typeName(zpType, bitsOf(zpType, zp))} differs from the data type ${typeName(dtype, bits)}`,
        'ONNX_BAD_QUANTIZATION',
      );
  }
  const inner = shape.slice(axis + 1).reduce((a, b) => a * b, 1);
  const values = new Float64Array(data.values.length);
  for (let i = 0; i < values.length; i++) {
    const outer = Math.floor(i / (inner * shape[axis]!));
    const along = Math.floor(i / inner) % shape[axis]!;
    const k = (outer * blocks + Math.floor(along / block)) * inner + (i % inner);
    const scale = s.values[k]!;
    if (!(scale > 0) || !Number.isFinite(scale))
      r.fail('scales must be positive and finite', 'ONNX_BAD_QUANTIZATION');
    values[i] = Math.fround(Math.fround(data.values[i]! - (zp ? zp.values[k]! : 0)) * scale);
  }
  ctx.table.set(outName(r), { kind: 'const', c: makeConst('float32', shape, values, r.where) });
  ctx.qdq.weights++;
  ctx.qdq.droppedWeights++;
}

export function importQuantizeLinear(ctx: ImportContext, r: NodeReader): void {
  const e = entry(ctx, r, 0);
  if (e === undefined) r.fail('input 0 is missing', 'ONNX_INVALID_MODEL');
  if (e.kind === 'const') {
    // A float weight quantized in the graph (some exporters): fold to its integer codes.
    const p = params(ctx, r, e.c.shape.length);
    const ch = channelOf(e.c.shape, p.axis);
    const [lo, hi] = codeRange(p.dtype, p.bits);
    const codes = e.c.values.map((v, i) => {
      const c = ch(i);
      return Math.min(hi, Math.max(lo, roundHalfEven(v / p.scale[c]!) + p.zeroPoint[c]!));
    });
    const folded = makeConst(p.dtype, e.c.shape, codes, r.where);
    ctx.table.set(outName(r), {
      kind: 'const',
      c: p.bits === 4 ? { ...folded, bits: 4 } : folded,
    });
    return;
  }
  if (e.quantized) r.fail('quantizes an already quantized tensor');
  const p = params(ctx, r, e.v.shape?.length ?? 0);
  if (p.axis !== undefined) r.fail('per-axis quantization of activations is not supported');
  const ann = activationAnnotation(p, r);
  annotateValue(ctx, r, e, ann);
  ctx.table.set(outName(r), { ...e, quantized: ann });
}

function roundHalfEven(x: number): number {
  const f = Math.floor(x);
  const d = x - f;
  if (d > 0.5) return f + 1;
  if (d < 0.5) return f;
  return f % 2 === 0 ? f : f + 1;
}

/** The IR annotation of an activation: uint8 parameters become the equivalent int8 ones (zero point − 128). */
function activationAnnotation(p: Params, r: NodeReader): QuantAnnotation {
  if (p.dtype === 'int32') r.fail('int32 activations are not supported');
  if (p.bits === 4) r.fail('4-bit activations are not supported (4-bit weights are)');
  const shift = p.dtype === 'uint8' ? 128 : 0;
  const dtype = p.dtype === 'int16' ? 'int16' : 'int8';
  const [lo, hi] = INT_RANGE[dtype];
  const zp = p.zeroPoint[0]! - shift;
  const s = p.scale[0]!;
  return {
    dtype,
    scale: Float32Array.of(s),
    zeroPoint: Int32Array.of(zp),
    bits: dtype === 'int16' ? 16 : 8,
    narrowRange: false,
    min: s * (lo - zp),
    max: s * (hi - zp),
  };
}

/**
 * Annotate the IR value a QuantizeLinear reads. A clamp at zero (zero point at the lowest code)
 * right after a Conv/Dense is how quantizers fold a ReLU away; the float IR gets the ReLU back so
 * it computes what the quantized model computes.
 */
function annotateValue(ctx: ImportContext, r: NodeReader, x: Sym, ann: QuantAnnotation): void {
  const v = x.v;
  const existing = v.annotations.quant;
  if (existing) {
    if (existing.scale[0] !== ann.scale[0] || existing.zeroPoint[0] !== ann.zeroPoint[0])
      ctx.qdq.conflicts.push(v.name);
    return;
  }
  v.annotations.quant = ann;
  v.annotations.range = { min: ann.min!, max: ann.max!, source: 'onnx:qdq' };
  ctx.qdq.activations++;
  const inName = (r.node.input ?? [])[0]!;
  const producer = v.producer;
  const lowest = ann.dtype === 'int16' ? -32768 : -128;
  if (
    ann.zeroPoint[0] === lowest &&
    producer !== undefined &&
    ctx.registry.canFuseActivation(producer.op, 'relu') &&
    (producer.attrs['activation'] ?? 'linear') === 'linear' &&
    ctx.uses.get(inName) === 1 &&
    !ctx.graphOutputs.has(inName)
  ) {
    producer.attrs['activation'] = 'relu';
    ctx.qdq.clampsAsRelu.push(producer.name);
  }
}

/**
 * An IR weight from a constant, with the quant annotation of its DequantizeLinear when there was
 * one and its scales run along `onnxChannelAxis` (or it is per tensor). `factor` is a positive
 * constant the importer multiplied the values by (Gemm's alpha/beta).
 */
export function quantizedWeight(
  ctx: ImportContext,
  source: Const,
  tensor: Tensor,
  onnxChannelAxis: number,
  factor = 1,
): Tensor | Weight {
  const q = ctx.constQuant.get(source);
  if (q === undefined) return tensor;
  if ((q.axis !== undefined && q.axis !== onnxChannelAxis) || !(factor > 0)) {
    ctx.qdq.droppedWeights++;
    return tensor;
  }
  const quant: QuantAnnotation = {
    dtype: q.dtype,
    scale: factor === 1 ? q.scale : q.scale.map((s) => s * factor),
    zeroPoint: q.zeroPoint,
    bits: q.bits,
    narrowRange: q.narrow,
  };
  return { tensor, annotations: { quant } };
}
