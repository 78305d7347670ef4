import { CollaboptError, type Tensor } from '@collabopt/core';
import { encodeModel } from '../../proto/codec';
import { toTensorProto } from '../../proto/tensor-proto';
import { ONNX_DTYPE, type NodeProto, type TensorProto } from '../../proto/types';
import { readOnnx } from '../read-onnx';

const f32 = (shape: number[], data: number[]): Tensor => ({
  dtype: 'float32',
  shape,
  data: Float32Array.from(data),
});
const i8 = (shape: number[], data: number[]): Tensor => ({
  dtype: 'int8',
  shape,
  data: Int8Array.from(data),
});
const i32 = (shape: number[], data: number[]): Tensor => ({
  dtype: 'int32',
  shape,
  data: Int32Array.from(data),
});

/** x [N, 2] → Q/DQ → Gemm(DQ(W), DQ(b)) → Q/DQ (zero point −128: a folded ReLU) → y. */
function qdqDense(nodes: NodeProto[] = [], extra: TensorProto[] = []): Uint8Array {
  const inits: [string, Tensor][] = [
    ['x_s', f32([], [0.5])],
    ['x_zp', i8([], [3])],
    ['w_q', i8([2, 3], [1, -2, 127, 0, -127, 5])],
    ['w_s', f32([3], [0.25, 0.5, 0.125])],
    ['w_zp', i8([3], [0, 0, 0])],
    ['b_q', i32([3], [4, -8, 16])],
    ['b_s', f32([3], [0.125, 0.25, 0.0625])],
    ['b_zp', i32([3], [0, 0, 0])],
    ['y_s', f32([], [0.1])],
    ['y_zp', i8([], [-128])],
  ];
  const body: NodeProto[] = nodes.length
    ? nodes
    : [
        { opType: 'QuantizeLinear', input: ['x', 'x_s', 'x_zp'], output: ['xq'] },
        { opType: 'DequantizeLinear', input: ['xq', 'x_s', 'x_zp'], output: ['xd'] },
        {
          opType: 'DequantizeLinear',
          input: ['w_q', 'w_s', 'w_zp'],
          output: ['w'],
          attribute: [{ name: 'axis', type: 2, i: 1 }],
        },
        { opType: 'DequantizeLinear', input: ['b_q', 'b_s', 'b_zp'], output: ['b'] },
        { name: 'dense', opType: 'Gemm', input: ['xd', 'w', 'b'], output: ['h'] },
        { opType: 'QuantizeLinear', input: ['h', 'y_s', 'y_zp'], output: ['hq'] },
        { opType: 'DequantizeLinear', input: ['hq', 'y_s', 'y_zp'], output: ['y'] },
      ];
  const vi = (name: string, dims: number[]) => ({
    name,
    type: {
      tensorType: {
        elemType: ONNX_DTYPE.FLOAT,
        shape: { dim: dims.map((d) => (d < 0 ? { dimParam: 'N' } : { dimValue: d })) },
      },
    },
  });
  return encodeModel({
    irVersion: 8,
    opsetImport: [{ domain: '', version: 13 }],
    graph: {
      name: 'qdq',
      node: body,
      initializer: [...inits.map(([n, t]) => toTensorProto(n, t)), ...extra],
      input: [vi('x', [-1, 2])],
      output: [vi('y', [-1, 3])],
    },
  });
}

describe('QDQ import', () => {
  it('reads weights dequantized with their quantization, activations annotated, the folded ReLU back', async () => {
    const g = await readOnnx(qdqDense());
    expect(g.metadata['quantization']).toEqual({ mode: 'int8' });
    const dense = g.node('dense');
    expect(dense.op).toBe('Dense');
    expect(dense.attrs['activation']).toBe('relu');
    const k = dense.weight('kernel');
    expect(Array.from(k.tensor.data as Float32Array)).toEqual([0.25, -1, 15.875, 0, -63.5, 0.625]);
    expect(Array.from(k.annotations.quant!.scale)).toEqual([0.25, 0.5, 0.125]);
    expect(k.annotations.quant!.channelAxes).toEqual([1]);
    expect(k.annotations.quant!.narrowRange).toBe(true);
    const b = dense.weight('bias');
    expect(Array.from(b.tensor.data as Float32Array)).toEqual([0.5, -2, 1]);
    expect(b.annotations.quant!.dtype).toBe('int32');
    const x = g.inputs[0]!.annotations;
    expect([x.quant!.scale[0], x.quant!.zeroPoint[0]]).toEqual([0.5, 3]);
    expect(x.range).toEqual({ min: 0.5 * (-128 - 3), max: 0.5 * (127 - 3), source: 'onnx:qdq' });
    const y = dense.output.annotations.quant!;
    expect([y.scale[0], y.zeroPoint[0]]).toEqual([Math.fround(0.1), -128]);
  });

  it('turns uint8 activation parameters into the equivalent int8 ones', async () => {
    const u8 = (n: string, v: number) =>
      toTensorProto(n, { dtype: 'uint8', shape: [], data: Uint8Array.of(v) });
    const g = await readOnnx(
      qdqDense(
        [
          { opType: 'QuantizeLinear', input: ['x', 'x_s', 'x_zp8'], output: ['xq'] },
          { opType: 'DequantizeLinear', input: ['xq', 'x_s', 'x_zp8'], output: ['xd'] },
          {
            opType: 'DequantizeLinear',
            input: ['w_q', 'w_s', 'w_zp'],
            output: ['w'],
            attribute: [{ name: 'axis', type: 2, i: 1 }],
          },
          { name: 'dense', opType: 'Gemm', input: ['xd', 'w'], output: ['y'] },
        ],
        [u8('x_zp8', 131)],
      ),
    );
    const q = g.inputs[0]!.annotations.quant!;
    expect([q.dtype, q.zeroPoint[0]]).toEqual(['int8', 3]);
    // the Dense output is not quantized: a partly quantized model keeps its annotations, no mode
    expect(g.metadata['quantization']).toBeUndefined();
  });

  it('refuses what the IR cannot hold, with typed errors', async () => {
    const dqOfComputed = qdqDense([
      { name: 'dq', opType: 'DequantizeLinear', input: ['x', 'x_s', 'x_zp'], output: ['y'] },
    ]);
    await expect(readOnnx(dqOfComputed)).rejects.toMatchObject({ code: 'ONNX_UNSUPPORTED_OP' });
    const requantize = qdqDense([
      { opType: 'QuantizeLinear', input: ['x', 'x_s', 'x_zp'], output: ['xq'] },
      { name: 'dq', opType: 'DequantizeLinear', input: ['xq', 'y_s', 'x_zp'], output: ['y'] },
    ]);
    const e = await readOnnx(requantize).catch((err: unknown) => err);
    expect(e).toBeInstanceOf(CollaboptError);
    expect((e as CollaboptError).code).toBe('ONNX_BAD_QUANTIZATION');
    expect((e as CollaboptError).message).toMatch(/differ from its QuantizeLinear/);
  });
});
