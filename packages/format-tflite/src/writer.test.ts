import {
  float16BitsToFloat32,
  float32ToFloat16Bits,
  isCollaboptError,
  type Graph,
} from '@collabopt/core';
import { annotateDynamic, annotateFloat16, annotateInt8 } from '../test/annotate';
import { activationsModel, convFamilyModel, elementwiseModel, resizeModel } from '../test/models';
import { writeTflite } from './export/writer';
import { readTflite } from './import/reader';
import { BuiltinOperator as Op, TensorType, builtinOperatorName } from './schema/enums';
import { FlatView } from './schema/flat-reader';
import type { TflModel } from './schema/model-types';
import { parseModel } from './schema/tables/model';

function ops(m: TflModel): string[] {
  return m.subgraphs[0]!.operators.map((o) =>
    builtinOperatorName(m.operatorCodes[o.opcodeIndex]!.builtinCode),
  );
}

function tensorByName(m: TflModel, name: string) {
  const t = m.subgraphs[0]!.tensors.find((x) => x.name === name);
  if (!t) throw new Error(`no tensor ${name}`);
  return t;
}

function opVersion(m: TflModel, code: number): number[] {
  return m.operatorCodes.filter((c) => c.builtinCode === code).map((c) => c.version);
}

const uniformRange = (): readonly [number, number] => [-4, 4];

describe('writeTflite float32', () => {
  it('writes every op of the conv family model and reads it back to the same weights', () => {
    const g = convFamilyModel();
    const bytes = writeTflite(g);
    expect(String.fromCharCode(...bytes.subarray(4, 8))).toBe('TFL3');
    const m = parseModel(bytes);
    expect(m.version).toBe(3);
    expect(m.buffers[0]!.length).toBe(0);
    expect(ops(m)).toEqual([
      'CONV_2D',
      'DEPTHWISE_CONV_2D',
      'TRANSPOSE_CONV',
      'RELU',
      'LEAKY_RELU',
      'PAD',
      'AVERAGE_POOL_2D',
      'MAX_POOL_2D',
      'HARD_SWISH',
      'CONV_2D',
      'MEAN',
      'FULLY_CONNECTED',
      'FULLY_CONNECTED',
      'SOFTMAX',
    ]);
    // OHWI filter with batch signature −1 on activations.
    expect(tensorByName(m, 'c1/kernel').shape).toEqual([8, 3, 3, 3]);
    expect(tensorByName(m, 'dw/kernel').shape).toEqual([1, 3, 3, 16]);
    expect(tensorByName(m, 'tc/kernel').shape).toEqual([4, 3, 3, 16]);
    expect(tensorByName(m, 'd1/kernel').shape).toEqual([40, 32]);
    expect(tensorByName(m, 'input').shapeSignature).toEqual([-1, 12, 12, 3]);

    const back = readTflite(bytes);
    for (const name of ['c1', 'dw', 'tc', 'c2', 'd1', 'd2']) {
      const original = g.node(name);
      const read = back.nodes.find(
        (n) =>
          n.op === original.op &&
          n.weights['kernel'] &&
          sameData(n.weights['kernel'].tensor.data, original.weight('kernel').tensor.data),
      );
      expect(read).toBeDefined();
      expect(read!.weights['kernel']!.tensor.shape).toEqual(original.weight('kernel').tensor.shape);
    }
    expect(back.outputs[0]!.shape).toEqual([-1, 5]);
    expect(back.metadata['quantization']).toBeUndefined();
  });

  it('fills both opcode fields (Arm NN reads only deprecated_builtin_code)', () => {
    const bytes = writeTflite(convFamilyModel());
    const view = new FlatView(bytes);
    const codes = view.root('Model').tables(1, 'codes');
    for (const c of codes) {
      expect(c.i8(0, -1)).toBe(Math.min(127, c.i32(3, -1)));
      expect(c.has(3)).toBe(true);
    }
  });

  it('does not modify the graph it writes', () => {
    const g = annotateInt8(convFamilyModel(), uniformRange);
    const before = g.node('c1').weight('kernel').tensor.data.slice();
    writeTflite(g);
    expect(g.node('c1').weight('kernel').tensor.data).toEqual(before);
    expect(g.node('c1').attrs['dilations']).toBeUndefined();
  });

  it('rejects an activation TFLite has no builtin for, naming the node', () => {
    const g = elementwiseModel();
    g.node('tanh').attrs['activation'] = 'gelu';
    expect(() => writeTflite(g)).toThrow(
      expect.objectContaining({
        code: 'TFLITE_UNSUPPORTED_OP',
        location: expect.objectContaining({ node: 'tanh' }),
      }),
    );
  });

  it('rejects full-int8 export without annotations', () => {
    let err: unknown;
    try {
      writeTflite(convFamilyModel(), { mode: 'int8' });
    } catch (e) {
      err = e;
    }
    expect(isCollaboptError(err)).toBe(true);
    expect((err as { code: string }).code).toBe('TFLITE_QUANT_MISSING');
  });
});

function sameData(a: ArrayLike<number | bigint>, b: ArrayLike<number | bigint>): boolean {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
}

describe('writeTflite float16', () => {
  it('stores annotated weights as float16 behind DEQUANTIZE (version 3)', () => {
    const g = annotateFloat16(convFamilyModel());
    const m = parseModel(writeTflite(g));
    const k = tensorByName(m, 'c1/kernel');
    expect(k.type).toBe(TensorType.FLOAT16);
    expect(opVersion(m, Op.DEQUANTIZE)).toEqual([3]);
    const back = readTflite(writeTflite(g));
    expect(back.metadata['quantization']).toEqual({ mode: 'float16' });
    const orig = g.node('c2').weight('kernel').tensor.data as Float32Array;
    const read = back.nodes
      .find((n) => n.op === 'Conv2D' && n.weights['kernel']!.tensor.shape[3] === 32)!
      .weight('kernel');
    expect(read.annotations.quant?.dtype).toBe('float16');
    const rd = read.tensor.data as Float32Array;
    for (let i = 0; i < orig.length; i++)
      expect(rd[i]).toBe(float16BitsToFloat32(float32ToFloat16Bits(orig[i]!)));
  });
});

describe('writeTflite dynamic range', () => {
  it('stores large kernels as int8 with hybrid op versions and keeps small ones float', () => {
    const g = annotateDynamic(convFamilyModel());
    const m = parseModel(writeTflite(g));
    expect(tensorByName(m, 'c2/kernel').type).toBe(TensorType.INT8);
    expect(tensorByName(m, 'c2/kernel').quantization!.scale!.length).toBe(32);
    expect(tensorByName(m, 'd1/kernel').type).toBe(TensorType.INT8);
    expect(tensorByName(m, 'c1/kernel').type).toBe(TensorType.FLOAT32);
    expect(tensorByName(m, 'input').type).toBe(TensorType.FLOAT32);
    expect(opVersion(m, Op.CONV_2D).sort()).toEqual([1, 5]);
    expect(opVersion(m, Op.FULLY_CONNECTED).sort()).toEqual([1, 3]);
    const back = readTflite(writeTflite(g));
    expect(back.metadata['quantization']).toEqual({ mode: 'dynamic' });
  });
});

describe('writeTflite full int8', () => {
  function int8Graph(mode: 'int8' | 'int8-io' = 'int8'): Graph {
    return annotateInt8(convFamilyModel(), uniformRange, mode);
  }

  it('quantizes per-channel weights without explicit channelAxes along the op slot channel axes', () => {
    const explicit = parseModel(writeTflite(int8Graph()));
    const g = int8Graph();
    for (const name of ['c1', 'dw', 'tc']) {
      const w = g.node(name).weight('kernel');
      const { channelAxes, ...rest } = w.annotations.quant!;
      expect(channelAxes).toBeDefined();
      w.annotations.quant = rest;
    }
    const implicit = parseModel(writeTflite(g));
    for (const name of ['c1/kernel', 'dw/kernel', 'tc/kernel']) {
      const a = explicit.buffers[tensorByName(explicit, name).buffer]!;
      const b = implicit.buffers[tensorByName(implicit, name).buffer]!;
      expect(Array.from(b)).toEqual(Array.from(a));
    }
  });

  it('writes int8 activations, per-channel weights on the right dimension and int32 biases', () => {
    const g = int8Graph();
    const m = parseModel(writeTflite(g));
    const sg = m.subgraphs[0]!;
    expect(ops(m)[0]).toBe('QUANTIZE');
    expect(ops(m).at(-1)).toBe('DEQUANTIZE');
    expect(sg.tensors[sg.inputs[0]!]!.type).toBe(TensorType.FLOAT32);
    expect(sg.tensors[sg.outputs[0]!]!.type).toBe(TensorType.FLOAT32);
    const conv = tensorByName(m, 'c1/kernel');
    expect(conv.type).toBe(TensorType.INT8);
    expect(conv.quantization!.quantizedDimension).toBe(0);
    expect(conv.quantization!.scale!.length).toBe(8);
    expect(tensorByName(m, 'dw/kernel').quantization!.quantizedDimension).toBe(3);
    expect(tensorByName(m, 'dw/kernel').quantization!.scale!.length).toBe(16);
    expect(tensorByName(m, 'tc/kernel').quantization!.quantizedDimension).toBe(0);
    expect(tensorByName(m, 'd1/kernel').quantization!.scale!.length).toBe(1);
    const bias = tensorByName(m, 'c1/bias');
    expect(bias.type).toBe(TensorType.INT32);
    const inScale = g.value('input').annotations.quant!.scale[0]!;
    const wScale = g.node('c1').weight('kernel').annotations.quant!.scale;
    bias.quantization!.scale!.forEach((s, i) => expect(s).toBeCloseTo(inScale * wScale[i]!, 10));
    expect(opVersion(m, Op.CONV_2D)).toEqual([3]);
    expect(opVersion(m, Op.DEPTHWISE_CONV_2D)).toEqual([3]);
    expect(opVersion(m, Op.FULLY_CONNECTED)).toEqual([4]);
    expect(opVersion(m, Op.SOFTMAX)).toEqual([2]);
    const softmaxOut = sg.tensors[sg.operators.at(-2)!.outputs[0]!]!;
    expect(softmaxOut.quantization!.scale![0]).toBeCloseTo(1 / 256, 10);
    expect(softmaxOut.quantization!.zeroPoint![0]).toBe(-128);
    for (const t of sg.tensors) {
      if (t.buffer === 0 && t.name !== 'input' && t.name !== 'probs')
        expect(t.type).toBe(TensorType.INT8);
    }
  });

  it('int8-io has int8 model inputs and outputs', () => {
    const m = parseModel(writeTflite(int8Graph('int8-io')));
    const sg = m.subgraphs[0]!;
    expect(sg.tensors[sg.inputs[0]!]!.type).toBe(TensorType.INT8);
    expect(sg.tensors[sg.outputs[0]!]!.type).toBe(TensorType.INT8);
    expect(ops(m)).not.toContain('QUANTIZE');
  });

  it('keeps the zeros and the cluster structure of annotated weights byte for byte', () => {
    const g = convFamilyModel();
    const k = g.node('c2').weight('kernel');
    const data = k.tensor.data as Float32Array;
    // Prune every other element and cluster the rest of each output channel onto 3 values.
    const cout = 32;
    for (let i = 0; i < data.length; i++) {
      const c = i % cout;
      const row = Math.floor(i / cout);
      data[i] = row % 2 === 0 ? 0 : [-0.1, 0.05, 0.2][(row >> 1) % 3]! * (1 + c / 10);
    }
    annotateInt8(g, uniformRange);
    const grid = data.slice();
    const m = parseModel(writeTflite(g));
    const t = tensorByName(m, 'c2/kernel');
    const q = new Int8Array(m.buffers[t.buffer]!.slice().buffer);
    const [o, kh, kw, ci] = t.shape as [number, number, number, number];
    for (let c = 0; c < o; c++) {
      const values = new Set<number>();
      for (let r = 0; r < kh * kw * ci; r++) {
        const fileValue = q[c * kh * kw * ci + r]!;
        const irValue = grid[r * cout + c]!;
        expect(fileValue === 0).toBe(irValue === 0);
        values.add(fileValue);
      }
      expect(values.size).toBeLessThanOrEqual(4);
      expect(values.has(0)).toBe(true);
    }
    expect(q.filter((v) => v === 0).length).toBe(grid.filter((v) => v === 0).length);
  });

  it('reads an int8 file back with its parameters as annotations', () => {
    const g = int8Graph();
    const back = readTflite(writeTflite(g));
    expect(back.metadata['quantization']).toEqual({ mode: 'int8' });
    const conv = back.nodes.find((n) => n.op === 'Conv2D')!;
    const ann = conv.weight('kernel').annotations.quant!;
    expect(ann.dtype).toBe('int8');
    expect(ann.channelAxes).toEqual([3]);
    expect(Array.from(ann.scale)).toEqual(
      Array.from(g.node('c1').weight('kernel').annotations.quant!.scale),
    );
    // Dequantized weights are the grid values the IR held.
    const a = conv.weight('kernel').tensor.data as Float32Array;
    const b = g.node('c1').weight('kernel').tensor.data as Float32Array;
    for (let i = 0; i < a.length; i++) expect(a[i]).toBeCloseTo(b[i]!, 6);
    expect(back.inputs[0]!.annotations.quant!.scale[0]).toBeCloseTo(
      g.inputs[0]!.annotations.quant!.scale[0]!,
      9,
    );
    const dw = back.nodes.find((n) => n.op === 'DepthwiseConv2D')!;
    expect(dw.weight('kernel').annotations.quant!.channelAxes).toEqual([2, 3]);
  });

  it('exports the element-wise model in every mode', () => {
    for (const mode of ['float32', 'float16', 'dynamic', 'int8', 'int8-io'] as const) {
      let g = elementwiseModel();
      if (mode === 'int8' || mode === 'int8-io') g = annotateInt8(g, uniformRange, mode);
      if (mode === 'dynamic') g = annotateDynamic(g);
      const bytes = writeTflite(g, { mode });
      const m = parseModel(bytes);
      expect(ops(m)).toEqual(
        expect.arrayContaining([
          'ADD',
          'SUB',
          'MUL',
          'CONCATENATION',
          'TANH',
          'LOGISTIC',
          'MEAN',
          'RESHAPE',
          'RELU',
          'RELU6',
        ]),
      );
      const back = readTflite(bytes, { keepQuant: false });
      expect(back.outputs[0]!.shape).toEqual([-1, 10]);
    }
  });
});

describe('sparse weights', () => {
  it('encodes pruned weights with SparsityParameters + DENSIFY only when smaller, and reads them back', () => {
    const g = convFamilyModel();
    const data = g.node('d1').weight('kernel').tensor.data as Float32Array;
    for (let i = 0; i < data.length; i++) if (i % 5 !== 0) data[i] = 0;
    const dense = writeTflite(g);
    const sparse = writeTflite(g, { sparse: true });
    expect(sparse.length).toBeLessThan(dense.length);
    const m = parseModel(sparse);
    expect(ops(m)).toContain('DENSIFY');
    expect(tensorByName(m, 'd1/kernel/sparse').sparsity).toBeDefined();
    expect(tensorByName(m, 'c1/kernel').sparsity).toBeUndefined();
    const back = readTflite(sparse);
    const d1 = back.nodes.find(
      (n) => n.op === 'Dense' && n.weights['kernel']!.tensor.shape[1] === 40,
    )!;
    expect(Array.from(d1.weight('kernel').tensor.data as Float32Array)).toEqual(Array.from(data));
  });
});

describe('resize', () => {
  it('writes Upsample2D as RESIZE_NEAREST_NEIGHBOR / RESIZE_BILINEAR (half-pixel) and reads it back', () => {
    const g = resizeModel();
    const bytes = writeTflite(g);
    const m = parseModel(bytes);
    expect(ops(m)).toEqual([
      'CONV_2D',
      'RESIZE_NEAREST_NEIGHBOR',
      'CONV_2D',
      'RESIZE_BILINEAR',
      'MEAN',
      'FULLY_CONNECTED',
    ]);
    expect(opVersion(m, Op.RESIZE_BILINEAR)).toEqual([3]);
    const back = readTflite(bytes);
    const ups = back.nodes.filter((n) => n.op === 'Upsample2D');
    expect(ups.map((n) => [n.attrs['size'], n.attrs['interpolation']])).toEqual([
      [[2, 2], 'nearest'],
      [[2, 2], 'bilinear'],
    ]);
  });
});

describe('buffer alignment and size', () => {
  it('places every constant buffer on a 16-byte boundary of the file', () => {
    const bytes = writeTflite(annotateInt8(convFamilyModel(), uniformRange));
    const m = parseModel(bytes);
    const base = bytes.byteOffset;
    for (const buf of m.buffers) if (buf.length > 0) expect((buf.byteOffset - base) % 16).toBe(0);
  });
});

describe('lowered activations', () => {
  it('writes elu as ELU, swish as LOGISTIC·MUL and hard_sigmoid as MUL/ADD+RELU6/MUL in float files', () => {
    const m = parseModel(writeTflite(activationsModel()));
    expect(ops(m)).toEqual([
      'CONV_2D',
      'ELU',
      'CONV_2D',
      'LOGISTIC',
      'MUL',
      'ADD',
      'MUL',
      'MUL',
      'ADD',
      'MUL',
      'MEAN',
      'FULLY_CONNECTED',
    ]);
    const back = readTflite(writeTflite(activationsModel()));
    expect(back.nodes.some((n) => n.op === 'Activation' && n.attrs['activation'] === 'elu')).toBe(
      true,
    );
  });

  it('refuses them in int8 files with a typed error naming the node', () => {
    const g = annotateInt8(activationsModel(), uniformRange);
    expect(() => writeTflite(g)).toThrow(
      expect.objectContaining({
        code: 'TFLITE_UNSUPPORTED_OP',
        location: expect.objectContaining({ node: 'c2' }),
      }),
    );
  });
});
