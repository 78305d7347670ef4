import { GraphBuilder, isCollaboptError, type Graph, type QuantAnnotation } from '@collabopt/core';
import { writeTflite } from './export/writer';
import { readTflite } from './import/reader';
import { BuiltinOperator as Op, TensorType, builtinOperatorName } from './schema/enums';
import { parseModel } from './schema/tables/model';

const int16 = (scale: number, zp = 0): QuantAnnotation => ({
  dtype: 'int16',
  scale: Float32Array.of(scale),
  zeroPoint: Int32Array.of(zp),
  bits: 16,
  narrowRange: false,
});

/** x [1, 4] → Dense(3, relu) → Dense(2) → softmax, annotated by hand for 16x8. */
function graph16x8(): Graph {
  const g = new GraphBuilder('g16', { seed: 3 });
  const x = g.input('x', [1, 4]);
  const h = g.layer('Dense', 'd1', x, { units: 3, activation: 'relu' });
  const y = g.layer('Dense', 'd2', h, { units: 2 });
  const graph = g.build(g.layer('Softmax', 'probs', y));
  graph.value('x').annotations.quant = int16(2 / 32767);
  graph.node('d1').output.annotations.quant = int16(4 / 32767);
  graph.node('d2').output.annotations.quant = int16(8 / 32767);
  graph.node('probs').output.annotations.quant = int16(1 / 32768);
  for (const name of ['d1', 'd2']) {
    const node = graph.node(name);
    const k = node.weight('kernel');
    const w = k.tensor.data as Float32Array;
    const s = Math.max(...Array.from(w, Math.abs)) / 127;
    w.forEach((v, i) => (w[i] = Math.round(v / s) * s));
    k.annotations.quant = {
      dtype: 'int8',
      scale: Float32Array.of(s),
      zeroPoint: Int32Array.of(0),
      bits: 8,
      narrowRange: true,
    };
    const b = node.weight('bias').tensor.data as Float32Array;
    b.forEach((_, i) => (b[i] = 0.37 * (i + 1)));
  }
  graph.metadata['quantization'] = { mode: 'int16x8' };
  return graph;
}

describe('writeTflite 16x8', () => {
  it('writes int16 activations (zero point 0), int8 weights and int64 biases on in_scale × w_scale', () => {
    const g = graph16x8();
    const m = parseModel(writeTflite(g));
    const sg = m.subgraphs[0]!;
    const names = sg.operators.map((o) =>
      builtinOperatorName(m.operatorCodes[o.opcodeIndex]!.builtinCode),
    );
    expect(names).toEqual([
      'QUANTIZE',
      'FULLY_CONNECTED',
      'FULLY_CONNECTED',
      'SOFTMAX',
      'DEQUANTIZE',
    ]);
    const fc = sg.operators[1]!;
    const [input, weights, bias] = fc.inputs.map((i) => sg.tensors[i]!);
    expect(input!.type).toBe(TensorType.INT16);
    expect(weights!.type).toBe(TensorType.INT8);
    expect(bias!.type).toBe(TensorType.INT64);
    const inScale = 2 / 32767;
    const wScale = g.node('d1').weight('kernel').annotations.quant!.scale[0]!;
    const raw = m.buffers[bias!.buffer]!;
    const q = new BigInt64Array(raw.buffer.slice(raw.byteOffset, raw.byteOffset + raw.byteLength));
    expect(Array.from(q, Number)).toEqual(
      [0.37, 0.74, 1.11].map((b) => Math.round(b / Math.fround(Math.fround(inScale) * wScale))),
    );
    const softmaxOut = sg.tensors[sg.operators[3]!.outputs[0]!]!;
    expect(softmaxOut.type).toBe(TensorType.INT16);
    expect(softmaxOut.quantization!.scale![0]).toBeCloseTo(1 / 32768, 12);
    expect(softmaxOut.quantization!.zeroPoint).toEqual([0]);
    const deq = m.operatorCodes.find((c) => c.builtinCode === Op.DEQUANTIZE)!;
    expect(deq.version).toBe(2);
    // reads back as a 16x8 model with its annotations
    const back = readTflite(writeTflite(g));
    expect(back.metadata['quantization']).toEqual({ mode: 'int16x8' });
  });

  it('refuses asymmetric int16 activations and int8 annotations with typed errors', () => {
    const g = graph16x8();
    g.node('d1').output.annotations.quant = int16(4 / 32767, 5);
    expect(() => writeTflite(g)).toThrow(/16x8 activations are symmetric/);
    const h = graph16x8();
    h.node('d2').output.annotations.quant = { ...int16(0.1), dtype: 'int8', bits: 8 };
    let err: unknown;
    try {
      writeTflite(h);
    } catch (e) {
      err = e;
    }
    expect(isCollaboptError(err)).toBe(true);
    expect(String(err)).toMatch(/no per-tensor int16 quant annotation \(it has int8/);
  });
});
