import { CollaboptError, type Tensor } from '@collabopt/core';
import { toTensorProto } from '../../proto/tensor-proto';
import { ONNX_DTYPE, type NodeProto, type TensorProto } from '../../proto/types';
import { readOnnx } from '../read-onnx';
import {
  dequantizeLinear,
  f32,
  floatValueInfo,
  i32,
  i8,
  int4Tensor,
  intAttribute,
  onnxModel,
  quantizeDequantize,
  quantizeLinear,
} from '../../../test/onnx-test-models';

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
        ...quantizeDequantize('x', 'x_s', 'x_zp', 'xd'),
        dequantizeLinear('w_q', 'w_s', 'w_zp', 'w', 1),
        dequantizeLinear('b_q', 'b_s', 'b_zp', 'b'),
        { name: 'dense', opType: 'Gemm', input: ['xd', 'w', 'b'], output: ['h'] },
        ...quantizeDequantize('h', 'y_s', 'y_zp', 'y'),
      ];
  return onnxModel(
    {
      name: 'qdq',
      node: body,
      initializer: [...inits.map(([n, t]) => toTensorProto(n, t)), ...extra],
      input: [floatValueInfo('x', [-1, 2])],
      output: [floatValueInfo('y', [-1, 3])],
    },
    8,
  );
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
          ...quantizeDequantize('x', 'x_s', 'x_zp8', 'xd'),
          dequantizeLinear('w_q', 'w_s', 'w_zp', 'w', 1),
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
    const dqOfComputed = qdqDense([{ ...dequantizeLinear('x', 'x_s', 'x_zp', 'y'), name: 'dq' }]);
    await expect(readOnnx(dqOfComputed)).rejects.toMatchObject({ code: 'ONNX_UNSUPPORTED_OP' });
    const requantize = qdqDense([
      quantizeLinear('x', 'x_s', 'x_zp', 'xq'),
      { ...dequantizeLinear('xq', 'y_s', 'x_zp', 'y'), name: 'dq' },
    ]);
    const e = await readOnnx(requantize).catch((err: unknown) => err);
    expect(e).toBeInstanceOf(CollaboptError);
    expect((e as CollaboptError).code).toBe('ONNX_BAD_QUANTIZATION');
    expect((e as CollaboptError).message).toMatch(/differ from its QuantizeLinear/);
  });
});

describe('QDQ import of 4-bit weights (INT4 / UINT4, opset 21)', () => {
  const int4 = (name: string, dims: number[], bytes: number[]): TensorProto =>
    int4Tensor(name, dims, bytes);
  /** x [N, 2] → Gemm(x, DQ(w4)) → y, with the given DequantizeLinear inputs and attributes. */
  function int4Dense(inits: TensorProto[], dq: Partial<NodeProto> = {}, domain = ''): Uint8Array {
    return onnxModel(
      {
        name: 'int4',
        node: [
          { ...dequantizeLinear('w_q', 'w_s', 'w_zp', 'w'), domain, ...dq },
          { name: 'dense', opType: 'Gemm', input: ['x', 'w'], output: ['y'] },
        ],
        initializer: inits,
        input: [floatValueInfo('x', [-1, 2])],
        output: [floatValueInfo('y', [-1, 3])],
      },
      10,
      21,
    );
  }
  // w [2, 3] = [[1, −2, 7], [0, −7, 5]]: bytes 0xe1, 0x07, 0x59 (low nibble first)
  const w = int4('w_q', [2, 3], [0xe1, 0x07, 0x59]);

  it('dequantizes per channel with INT4 zero points and annotates bits = 4, narrow range', async () => {
    const g = await readOnnx(
      int4Dense(
        [w, toTensorProto('w_s', f32([3], [0.25, 0.5, 0.125])), int4('w_zp', [3], [0x00, 0x00])],
        { attribute: [intAttribute('axis', 1)] },
      ),
    );
    const k = g.node('dense').weight('kernel');
    expect(Array.from(k.tensor.data as Float32Array)).toEqual([0.25, -1, 0.875, 0, -3.5, 0.625]);
    const q = k.annotations.quant!;
    expect([q.dtype, q.bits, q.narrowRange]).toEqual(['int8', 4, true]);
    expect(Array.from(q.scale)).toEqual([0.25, 0.5, 0.125]);
    expect(q.channelAxes).toEqual([1]);
  });

  it('reads a per-tensor INT4 weight with a −8 code (full range) and a non-zero zero point', async () => {
    // w [2, 3] = [[−8, 1, 2], [3, 4, 5]], zero point −1, scale 0.5: (q + 1) · 0.5
    const g = await readOnnx(
      int4Dense([
        int4('w_q', [2, 3], [0x18, 0x32, 0x54]),
        toTensorProto('w_s', f32([], [0.5])),
        int4('w_zp', [], [0x0f]),
      ]),
    );
    const k = g.node('dense').weight('kernel');
    expect(Array.from(k.tensor.data as Float32Array)).toEqual([-3.5, 1, 1.5, 2, 2.5, 3]);
    const q = k.annotations.quant!;
    expect([q.bits, q.narrowRange, q.zeroPoint[0]]).toEqual([4, false, -1]);
  });

  it('reads UINT4 weights (uint8 codes, bits = 4) and ONNX Runtime’s com.microsoft DequantizeLinear', async () => {
    const uint4 = (name: string, dims: number[], bytes: number[]): TensorProto =>
      int4Tensor(name, dims, bytes, ONNX_DTYPE.UINT4);
    // codes [[1, 15, 8], [0, 9, 8]], zero point 8, scale 1: [[−7, 7, 0], [−8, 1, 0]]
    const g = await readOnnx(
      int4Dense(
        [
          uint4('w_q', [2, 3], [0xf1, 0x08, 0x89]),
          toTensorProto('w_s', f32([], [1])),
          uint4('w_zp', [], [0x08]),
        ],
        {},
        'com.microsoft',
      ),
    );
    const k = g.node('dense').weight('kernel');
    expect(Array.from(k.tensor.data as Float32Array)).toEqual([-7, 7, 0, -8, 1, 0]);
    expect([k.annotations.quant!.dtype, k.annotations.quant!.bits]).toEqual(['uint8', 4]);
  });

  it('dequantizes blocked weights (block_size) exactly, without a per-block annotation', async () => {
    // axis 1 of w [2, 3] in blocks of 2: scale [2, 2], block 0 = columns 0–1, block 1 = column 2
    const g = await readOnnx(
      int4Dense(
        [
          w,
          toTensorProto('w_s', f32([2, 2], [1, 2, 0.5, 0.25])),
          int4('w_zp', [2, 2], [0x00, 0x00]),
        ],
        {
          attribute: [intAttribute('axis', 1), intAttribute('block_size', 2)],
        },
      ),
    );
    const k = g.node('dense').weight('kernel');
    // row 0: [1, −2] · 1, [7] · 2; row 1: [0, −7] · 0.5, [5] · 0.25
    expect(Array.from(k.tensor.data as Float32Array)).toEqual([1, -2, 14, 0, -3.5, 1.25]);
    expect(k.annotations.quant).toBeUndefined();
    const meta = g.metadata['onnx'] as { qdq: { droppedWeights: number } };
    expect(meta.qdq.droppedWeights).toBe(1);
  });

  it('refuses an int8 zero point for INT4 data and a mis-shaped blocked scale, naming the problem', async () => {
    const mixed = int4Dense([
      w,
      toTensorProto('w_s', f32([], [1])),
      toTensorProto('w_zp', i8([], [0])),
    ]);
    await expect(readOnnx(mixed)).rejects.toMatchObject({
      code: 'ONNX_BAD_QUANTIZATION',
      message: expect.stringMatching(/zero point type int8 differs from the data type int4/),
    });
    const blocked = int4Dense([w, toTensorProto('w_s', f32([2, 3], [1, 1, 1, 1, 1, 1]))], {
      input: ['w_q', 'w_s'],
      attribute: [intAttribute('block_size', 2)],
    });
    await expect(readOnnx(blocked)).rejects.toMatchObject({
      code: 'ONNX_BAD_QUANTIZATION',
      message: expect.stringMatching(/blocked scale has shape \[2, 3\].*needs \[2, 2\]/),
    });
  });

  it('folds a QuantizeLinear of a float weight to INT4 codes (clamped to −8..7) and refuses 4-bit activations', async () => {
    // float w [2, 3] quantized with scale 1, INT4 zero point 0: 9.6 clamps to 7, −9 to −8
    const model = (nodes: NodeProto[]) =>
      onnxModel(
        {
          name: 'fold',
          node: nodes,
          initializer: [
            toTensorProto('w_f', f32([2, 3], [1, -2, 9.6, 0, -9, 2.5])),
            toTensorProto('s', f32([], [1])),
            int4('zp', [], [0x00]),
          ],
          input: [floatValueInfo('x', [-1, 2])],
          output: [floatValueInfo('y', [-1, 3])],
        },
        10,
        21,
      );
    const g = await readOnnx(
      model([
        ...quantizeDequantize('w_f', 's', 'zp', 'w'),
        { name: 'dense', opType: 'Gemm', input: ['x', 'w'], output: ['y'] },
      ]),
    );
    const k = g.node('dense').weight('kernel');
    // round half to even: 2.5 → 2
    expect(Array.from(k.tensor.data as Float32Array)).toEqual([1, -2, 7, 0, -8, 2]);
    expect(k.annotations.quant!.bits).toBe(4);
    const activations = model([
      quantizeLinear('x', 's', 'zp', 'xq', 'q'),
      dequantizeLinear('xq', 's', 'zp', 'xd'),
      { name: 'dense', opType: 'Gemm', input: ['xd', 'w_f'], output: ['y'] },
    ]);
    await expect(readOnnx(activations)).rejects.toMatchObject({
      message: expect.stringMatching(/4-bit activations are not supported/),
    });
  });
});
