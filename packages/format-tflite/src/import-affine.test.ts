import { readTflite } from './import/reader';
import { BuiltinOperator as Op, TensorType } from './schema/enums';
import type { TflModel } from './schema/model-types';
import { serializeModel } from './schema/tables/model';
import { BuiltinOptionsType } from './schema/builtin-options';

function f32(values: number[]): Uint8Array {
  return new Uint8Array(Float32Array.from(values).buffer);
}

/** x [1,2,2,3] → MUL by [2, 3, 4] → ADD 0.5 (relu) → SUB: 1 − y. */
function affineModel(): TflModel {
  return {
    version: 3,
    operatorCodes: [
      { builtinCode: Op.MUL, version: 1 },
      { builtinCode: Op.ADD, version: 1 },
      { builtinCode: Op.SUB, version: 1 },
    ],
    subgraphs: [
      {
        tensors: [
          { shape: [1, 2, 2, 3], type: TensorType.FLOAT32, buffer: 0, name: 'x' },
          { shape: [3], type: TensorType.FLOAT32, buffer: 1, name: 'scale' },
          { shape: [1, 2, 2, 3], type: TensorType.FLOAT32, buffer: 0, name: 'scaled' },
          { shape: [], type: TensorType.FLOAT32, buffer: 2, name: 'offset' },
          { shape: [1, 2, 2, 3], type: TensorType.FLOAT32, buffer: 0, name: 'shifted' },
          { shape: [1, 1, 1, 1], type: TensorType.FLOAT32, buffer: 3, name: 'one' },
          { shape: [1, 2, 2, 3], type: TensorType.FLOAT32, buffer: 0, name: 'y' },
        ],
        inputs: [0],
        outputs: [6],
        operators: [
          {
            opcodeIndex: 0,
            inputs: [0, 1],
            outputs: [2],
            builtinOptionsType: BuiltinOptionsType.MulOptions,
            builtinOptions: { fusedActivationFunction: 0 },
          },
          {
            opcodeIndex: 1,
            inputs: [3, 2],
            outputs: [4],
            builtinOptionsType: BuiltinOptionsType.AddOptions,
            builtinOptions: { fusedActivationFunction: 1 },
          },
          {
            opcodeIndex: 2,
            inputs: [5, 4],
            outputs: [6],
            builtinOptionsType: BuiltinOptionsType.SubOptions,
            builtinOptions: { fusedActivationFunction: 0 },
          },
        ],
      },
    ],
    buffers: [new Uint8Array(0), f32([2, 3, 4]), f32([0.5]), f32([1])],
  };
}

describe('element-wise ops with a constant operand', () => {
  it('become exact 1×1 depthwise convolutions (x·s + t per channel)', () => {
    const g = readTflite(serializeModel(affineModel()));
    const nodes = g.nodes.filter((n) => n.op !== 'Input');
    expect(nodes.map((n) => n.op)).toEqual([
      'DepthwiseConv2D',
      'DepthwiseConv2D',
      'DepthwiseConv2D',
    ]);
    const [mul, add, sub] = nodes as [(typeof nodes)[0], (typeof nodes)[0], (typeof nodes)[0]];
    expect(Array.from(mul.weight('kernel').tensor.data as Float32Array)).toEqual([2, 3, 4]);
    expect(mul.weights['bias']).toBeUndefined();
    expect(Array.from(add.weight('kernel').tensor.data as Float32Array)).toEqual([1, 1, 1]);
    expect(Array.from(add.weight('bias').tensor.data as Float32Array)).toEqual([0.5, 0.5, 0.5]);
    expect(add.attrs['activation']).toBe('relu');
    // 1 − y: scale −1, offset +1
    expect(Array.from(sub.weight('kernel').tensor.data as Float32Array)).toEqual([-1, -1, -1]);
    expect(Array.from(sub.weight('bias').tensor.data as Float32Array)).toEqual([1, 1, 1]);
  });

  it('rejects a constant that is not a scalar or per-channel', () => {
    const m = affineModel();
    m.subgraphs[0]!.tensors[1]!.shape = [3, 1];
    expect(() => readTflite(serializeModel(m))).toThrow(
      expect.objectContaining({ code: 'TFLITE_UNSUPPORTED_OP' }),
    );
  });
});
