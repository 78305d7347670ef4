import { GraphBuilder, checkWeightContract, countUnique, type Graph } from '@collabopt/core';
import { activationQuantAnnotation } from './annotations';
import { asymmetricParams } from './quant-params';
import { quantizeGraphWeights } from './weight-plan';

function smallCnn(): Graph {
  const g = new GraphBuilder('m', { seed: 3 });
  const x = g.input('x', [-1, 6, 6, 1]);
  const c = g.layer('Conv2D', 'conv', x, { filters: 4, kernelSize: [3, 3], activation: 'relu' });
  const f = g.layer('Flatten', 'flat', c);
  const d = g.layer('Dense', 'dense', f, { units: 300 });
  const graph = g.build(d);
  const bias = graph.node('conv').weights['bias']!.tensor.data as Float32Array;
  bias.set([0.1, -0.2, 0.3, 0.05]);
  return graph;
}

describe('quantizeGraphWeights', () => {
  it('int8: per-channel conv kernels, per-tensor dense kernels, int32 biases on the input×weight scale', () => {
    const graph = smallCnn();
    graph.value('x').annotations.quant = activationQuantAnnotation(asymmetricParams(0, 1), 8);
    graph.value('flat').annotations.quant = activationQuantAnnotation(asymmetricParams(0, 3), 8);
    const report = quantizeGraphWeights(graph, 'int8');
    const conv = graph.node('conv');
    const kq = conv.weights['kernel']!.annotations.quant!;
    expect(kq).toMatchObject({ dtype: 'int8', bits: 8, narrowRange: true, channelAxes: [3] });
    expect(kq.scale.length).toBe(4);
    const bq = conv.weights['bias']!.annotations.quant!;
    expect(bq).toMatchObject({ dtype: 'int32', bits: 32, channelAxes: [0] });
    for (let c = 0; c < 4; c++)
      expect(bq.scale[c]).toBe(
        Math.fround(graph.value('x').annotations.quant!.scale[0]! * kq.scale[c]!),
      );
    const dq = graph.node('dense').weights['kernel']!.annotations.quant!;
    expect(dq.scale.length).toBe(1);
    expect(dq.channelAxes).toBeUndefined();
    for (const { node, slot, weight } of graph.weights()) {
      expect([node.name, slot, checkWeightContract(weight, 'quant')]).toEqual([
        node.name,
        slot,
        { ok: true },
      ]);
    }
    expect(report.map((r) => `${r.node}.${r.slot}`)).toEqual([
      'conv.kernel',
      'conv.bias',
      'dense.kernel',
      'dense.bias',
    ]);
    expect(report[0]!.sqnrDb).toBeGreaterThan(30);
  });

  it('dynamic: only kernels with ≥ 1024 elements, no bias and no activation parameters needed', () => {
    const graph = smallCnn();
    quantizeGraphWeights(graph, 'dynamic');
    expect(graph.node('conv').weights['kernel']!.annotations.quant).toBeUndefined();
    expect(graph.node('dense').weights['kernel']!.annotations.quant).toMatchObject({
      dtype: 'int8',
    });
    expect(graph.node('dense').weights['bias']!.annotations.quant).toBeUndefined();
  });

  it('float16: kernels and biases rounded to half precision', () => {
    const graph = smallCnn();
    quantizeGraphWeights(graph, 'float16');
    const k = graph.node('conv').weights['kernel']!;
    expect(k.annotations.quant!.dtype).toBe('float16');
    expect(graph.node('conv').weights['bias']!.tensor.data[0]).toBe(Math.fround(0.0999755859375));
  });

  it('int16x8 writes int64 biases', () => {
    const graph = smallCnn();
    graph.value('x').annotations.quant = activationQuantAnnotation(
      { scale: 1 / 32767, zeroPoint: 0, qmin: -32768, qmax: 32767 },
      16,
    );
    graph.value('flat').annotations.quant = activationQuantAnnotation(
      { scale: 3 / 32767, zeroPoint: 0, qmin: -32768, qmax: 32767 },
      16,
    );
    quantizeGraphWeights(graph, 'int16x8');
    expect(graph.node('conv').weights['bias']!.annotations.quant).toMatchObject({
      dtype: 'int64',
      bits: 64,
    });
  });

  it('weightBits=4: every kernel on a symmetric 4-bit grid (codes in −7..7), biases still int32', () => {
    const graph = smallCnn();
    graph.value('x').annotations.quant = activationQuantAnnotation(asymmetricParams(0, 1), 8);
    graph.value('flat').annotations.quant = activationQuantAnnotation(asymmetricParams(0, 3), 8);
    const dense = graph.node('dense').weights['kernel']!;
    (dense.tensor.data as Float32Array)[5] = 0; // a zero stays exactly zero
    quantizeGraphWeights(graph, 'int8', undefined, { weightBits: 4 });
    for (const name of ['conv', 'dense']) {
      const k = graph.node(name).weights['kernel']!;
      const q = k.annotations.quant!;
      expect(q).toMatchObject({ dtype: 'int8', bits: 4, narrowRange: true });
      expect(checkWeightContract(k, 'quant')).toEqual({ ok: true });
      const data = k.tensor.data as Float32Array;
      const scale = q.scale[0]!; // per channel for conv, but every code is an integer in −7..7 of its own channel
      const codes = new Set<number>();
      data.forEach((v, i) => {
        const s = q.scale.length > 1 ? q.scale[i % q.scale.length]! : scale;
        const code = Math.round(v / s);
        expect(Math.abs(code)).toBeLessThanOrEqual(7);
        codes.add(code);
      });
      expect(codes.size).toBeLessThanOrEqual(15);
    }
    expect((dense.tensor.data as Float32Array)[5]).toBe(0);
    expect(graph.node('conv').weights['bias']!.annotations.quant).toMatchObject({ dtype: 'int32' });
  });

  it('weightBits below 8 needs a full-integer mode, and stays within 4..8', () => {
    expect(() => quantizeGraphWeights(smallCnn(), 'dynamic', undefined, { weightBits: 4 })).toThrow(
      /weightBits=4 needs mode int8 or int8-io/,
    );
    expect(() => quantizeGraphWeights(smallCnn(), 'int8', undefined, { weightBits: 3 })).toThrow(
      /weightBits must be an integer in 4..8/,
    );
  });

  it('refuses integer modes when the kernel input has no parameters', () => {
    expect(() => quantizeGraphWeights(smallCnn(), 'int8')).toThrow(
      /no activation quantization parameters/,
    );
  });

  it('keeps ≤ k unique values of a clustered dense kernel', () => {
    const graph = smallCnn();
    const w = graph.node('dense').weights['kernel']!;
    const data = w.tensor.data as Float32Array;
    const centroids = Float32Array.of(-0.05, 0, 0.02, 0.07);
    const indices = Uint8Array.from(data, (v) => (v < -0.02 ? 0 : v < 0.01 ? 1 : v < 0.04 ? 2 : 3));
    indices.forEach((j, i) => (data[i] = centroids[j]!));
    w.annotations.codebook = { centroids, indices, clusters: 4 };
    graph.value('x').annotations.quant = activationQuantAnnotation(asymmetricParams(0, 1), 8);
    graph.value('flat').annotations.quant = activationQuantAnnotation(asymmetricParams(0, 3), 8);
    quantizeGraphWeights(graph, 'int8');
    expect(countUnique(w.tensor.data as Float32Array)).toBeLessThanOrEqual(4);
    expect(checkWeightContract(w, 'codebook')).toEqual({ ok: true });
    expect(checkWeightContract(w, 'quant')).toEqual({ ok: true });
  });
});
