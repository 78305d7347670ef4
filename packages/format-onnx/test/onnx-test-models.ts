/**
 * Test helpers: small ONNX models written by hand, node by node, for the reader's tests (value
 * infos, typed tensors, Q/DQ nodes, the model envelope).
 */
import type { Tensor } from '@collabopt/core';
import { encodeModel } from '../src/proto/codec';
import {
  ATTR_TYPE,
  ONNX_DTYPE,
  type AttributeProto,
  type GraphProto,
  type NodeProto,
  type TensorProto,
  type ValueInfoProto,
} from '../src/proto/types';

/** A float tensor's value info; a string dimension is symbolic, and so is a negative one (`N`). */
export function floatValueInfo(name: string, dims: readonly (number | string)[]): ValueInfoProto {
  return {
    name,
    type: {
      tensorType: {
        elemType: ONNX_DTYPE.FLOAT,
        shape: {
          dim: dims.map((d) =>
            typeof d === 'string' ? { dimParam: d } : d < 0 ? { dimParam: 'N' } : { dimValue: d },
          ),
        },
      },
    },
  };
}

/** The model bytes of one graph in the default domain at the given IR version and opset. */
export function onnxModel(graph: GraphProto, irVersion = 7, opset = 13): Uint8Array {
  return encodeModel({ irVersion, opsetImport: [{ domain: '', version: opset }], graph });
}

export const f32 = (shape: number[], data: number[]): Tensor => ({
  dtype: 'float32',
  shape,
  data: Float32Array.from(data),
});
export const i8 = (shape: number[], data: number[]): Tensor => ({
  dtype: 'int8',
  shape,
  data: Int8Array.from(data),
});
export const i32 = (shape: number[], data: number[]): Tensor => ({
  dtype: 'int32',
  shape,
  data: Int32Array.from(data),
});

/** An INT4 (or UINT4) initializer from its packed bytes (two codes a byte, low nibble first). */
export function int4Tensor(
  name: string,
  dims: number[],
  bytes: number[],
  dataType: number = ONNX_DTYPE.INT4,
): TensorProto {
  return { name, dims, dataType, rawData: Uint8Array.from(bytes) };
}

/** An int64 initializer (shapes and the like). */
export function int64Tensor(name: string, values: number[]): TensorProto {
  return { name, dims: [values.length], dataType: ONNX_DTYPE.INT64, int64Data: values };
}

/** An integer attribute. */
export function intAttribute(name: string, i: number): AttributeProto {
  return { name, type: ATTR_TYPE.INT, i };
}

/** QuantizeLinear(input, scale, zeroPoint) → output. */
export function quantizeLinear(
  input: string,
  scale: string,
  zeroPoint: string,
  output: string,
  name?: string,
): NodeProto {
  return {
    ...(name ? { name } : {}),
    opType: 'QuantizeLinear',
    input: [input, scale, zeroPoint],
    output: [output],
  };
}

/** DequantizeLinear(input, scale, zeroPoint) → output, per channel along `axis` when given. */
export function dequantizeLinear(
  input: string,
  scale: string,
  zeroPoint: string,
  output: string,
  axis?: number,
): NodeProto {
  return {
    opType: 'DequantizeLinear',
    input: [input, scale, zeroPoint],
    output: [output],
    ...(axis !== undefined ? { attribute: [intAttribute('axis', axis)] } : {}),
  };
}

/** An activation's fake quantization: QuantizeLinear then DequantizeLinear with one scale. */
export function quantizeDequantize(
  input: string,
  scale: string,
  zeroPoint: string,
  output: string,
): NodeProto[] {
  return [
    quantizeLinear(input, scale, zeroPoint, `${input}_q`),
    dequantizeLinear(`${input}_q`, scale, zeroPoint, output),
  ];
}
