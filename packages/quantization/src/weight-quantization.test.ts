import {
  checkCodebook,
  checkMask,
  checkWeightQuant,
  countUnique,
  tensor,
  type Weight,
} from '@collabopt/core';
import {
  minWeightScalesForBias,
  quantizeBias,
  quantizeSymmetric,
  quantizeWeight,
  weightQuantAnnotation,
} from './weight-quantization';

describe('symmetric weight quantization (TFLite int8 spec)', () => {
  it('quantizes per output channel with scale = max|w_c|/127', () => {
    // Conv kernel [1, 1, cin 2, cout 2]: channel 0 = {0.5, −1.27}, channel 1 = {0.011, −0.02}
    const t = tensor('float32', [1, 1, 2, 2], [0.5, 0.011, -1.27, -0.02]);
    const qw = quantizeSymmetric(t, { channelAxes: [3] });
    expect(qw.scale[0]).toBeCloseTo(0.01, 8);
    expect(qw.scale[1]).toBeCloseTo(0.02 / 127, 10);
    expect(Array.from(qw.q)).toEqual([50, 70, -127, -127]);
    expect(Array.from(qw.zeroPoint)).toEqual([0, 0]);
    const ann = weightQuantAnnotation(qw);
    expect(checkWeightQuant(tensor('float32', [1, 1, 2, 2], qw.values), ann)).toEqual({ ok: true });
    expect(ann).toMatchObject({ dtype: 'int8', bits: 8, narrowRange: true, channelAxes: [3] });
  });

  it('quantizes per tensor (Dense)', () => {
    const qw = quantizeSymmetric(tensor('float32', [2, 2], [0.5, 0.011, -1.27, -0.02]));
    expect(qw.scale.length).toBe(1);
    expect(Array.from(qw.q)).toEqual([50, 1, -127, -2]);
  });

  it('keeps pruned zeros exactly zero', () => {
    const data = Float32Array.from({ length: 64 }, (_, i) => (i % 3 === 0 ? 0 : Math.sin(i)));
    const mask = Uint8Array.from(data, (v) => (v === 0 ? 0 : 1));
    const w: Weight = {
      tensor: tensor('float32', [4, 4, 4], data),
      annotations: { mask: { mask } },
    };
    const r = quantizeWeight(w, { channelAxes: [2] });
    expect(checkMask(tensor('float32', [4, 4, 4], r.values), { mask })).toEqual({ ok: true });
    expect(r.values.filter((v) => v === 0).length).toBe(data.filter((v) => v === 0).length);
    expect(Object.is(r.values[0], -0)).toBe(false);
  });

  it('quantizes a per-tensor codebook with one shared scale: ≤ k unique int8 values in the tensor', () => {
    const centroids = Float32Array.of(-0.7, 0, 0.05, 0.9);
    const shape = [3, 3, 2, 4];
    const n = 72;
    const indices = Uint8Array.from({ length: n }, (_, i) => (i * 7) % 4);
    const data = Float32Array.from(indices, (j) => centroids[j]!);
    const w: Weight = {
      tensor: tensor('float32', shape, data),
      annotations: { codebook: { centroids, indices, clusters: 4, zeroCentroid: [1] } },
    };
    const r = quantizeWeight(w, { channelAxes: [3] });
    expect(countUnique(r.q)).toBeLessThanOrEqual(4);
    expect(countUnique(r.values)).toBeLessThanOrEqual(4);
    const t = tensor('float32', shape, r.values);
    expect(checkCodebook(t, r.codebook!)).toEqual({ ok: true });
    expect(checkWeightQuant(t, weightQuantAnnotation(r))).toEqual({ ok: true });
    expect(r.codebook!.centroids[1]).toBe(0);
    expect(new Set(r.scale).size).toBe(1);
  });

  it('quantizes a per-channel codebook per channel: ≤ k unique values per channel', () => {
    const shape = [2, 2, 1, 3];
    const centroids = Float32Array.of(-1, 0.5, -0.01, 0.02, 3, 2);
    const indices = Uint8Array.from({ length: 12 }, (_, i) => (i >> 2) % 2);
    const data = Float32Array.from(indices, (j, i) => centroids[(i % 3) * 2 + j]!);
    const w: Weight = {
      tensor: tensor('float32', shape, data),
      annotations: { codebook: { centroids, indices, clusters: 2, channelAxes: [3] } },
    };
    const r = quantizeWeight(w, { channelAxes: [3] });
    const t = tensor('float32', shape, r.values);
    expect(checkCodebook(t, r.codebook!)).toEqual({ ok: true });
    expect(checkWeightQuant(t, weightQuantAnnotation(r))).toEqual({ ok: true });
    expect(r.scale[0]).toBeCloseTo(1 / 127, 8);
    expect(r.scale[1]).toBeCloseTo(0.02 / 127, 10);
    expect(r.scale[2]).toBeCloseTo(3 / 127, 8);
  });
});

describe('codebook-exact quantization', () => {
  it('maps 16 per-tensor centroids of a conv kernel to exactly 16 int4 codes (full range −8..7)', () => {
    // centroids −0.75..0.75 step 0.1, scale 0.75/7: 16 centroids cannot take 15 narrow levels
    // (±0.05 would both round to 0); the 4-bit grid opens −8 and every centroid gets its own code
    const centroids = Float32Array.from({ length: 16 }, (_, j) => Math.fround(-0.75 + 0.1 * j));
    const shape = [3, 3, 4, 8];
    const n = 3 * 3 * 4 * 8;
    const indices = Uint8Array.from({ length: n }, (_, i) => (i * 5) % 16);
    const data = Float32Array.from(indices, (j) => centroids[j]!);
    const w: Weight = {
      tensor: tensor('float32', shape, data),
      annotations: { codebook: { centroids, indices, clusters: 16 } },
    };
    const r = quantizeWeight(w, { channelAxes: [3], bits: 4 });
    expect(r.narrowRange).toBe(false);
    expect(new Set(r.scale).size).toBe(1);
    expect(r.scale[0]).toBeCloseTo(0.75 / 7, 7);
    expect(countUnique(r.q)).toBe(16);
    expect(Math.min(...r.q)).toBe(-8);
    expect(Math.max(...r.q)).toBe(7);
    const t = tensor('float32', shape, r.values);
    expect(checkCodebook(t, r.codebook!)).toEqual({ ok: true });
    expect(checkWeightQuant(t, weightQuantAnnotation(r))).toEqual({ ok: true });
  });

  it('int8 keeps the narrow range and gives k distinct centroids k codes even when two are close', () => {
    // 0.5 sets the scale 0.5/127; 0.1 (code 25.4) and 0.1 + 0.05·scale (25.45) would both round to 25
    const scale = Math.fround(0.5 / 127);
    const centroids = Float32Array.of(-0.2, 0.1, Math.fround(0.1 + 0.05 * scale), 0.5);
    const indices = Uint8Array.from({ length: 40 }, (_, i) => i % 4);
    const w: Weight = {
      tensor: tensor(
        'float32',
        [10, 4],
        Float32Array.from(indices, (j) => centroids[j]!),
      ),
      annotations: { codebook: { centroids, indices, clusters: 4 } },
    };
    const r = quantizeWeight(w);
    expect(r.narrowRange).toBe(true);
    expect(Array.from(new Set(r.q)).sort((a, b) => a - b)).toEqual([-51, 25, 26, 127]);
  });
});

describe('bias quantization', () => {
  it('uses scale = input scale × weight scale and int32', () => {
    const b = quantizeBias(Float32Array.of(0.1, -0.2), 0.5, Float32Array.of(0.01, 0.002));
    expect(b.scale[0]).toBeCloseTo(0.005, 9);
    expect(b.scale[1]).toBeCloseTo(0.001, 9);
    expect(Array.from(b.q as Int32Array)).toEqual([20, -200]);
    expect(b.values[1]).toBeCloseTo(-0.2, 7);
    expect(b.clamped).toEqual([]);
  });

  it('stores int64 biases for 16x8 and reports clamped channels', () => {
    const b = quantizeBias(Float32Array.of(1e6), 1e-6, Float32Array.of(1e-6), 64);
    expect(b.q).toBeInstanceOf(BigInt64Array);
    const c = quantizeBias(Float32Array.of(1e6), 1e-6, Float32Array.of(1e-6), 32);
    expect(c.clamped).toEqual([0]);
  });

  it('widens weight scales so a large bias fits (AdjustWeightsForBiasScale)', () => {
    const min = minWeightScalesForBias(Float32Array.of(1e6, 0), 1e-6);
    expect(min[0]).toBeCloseTo((2 * 1e6) / 2147483647 / 1e-6, 0);
    const w = quantizeSymmetric(tensor('float32', [1, 2], [1e-9, 1e-9]), {
      channelAxes: [1],
      minScale: min,
    });
    const b = quantizeBias(Float32Array.of(1e6, 0), 1e-6, w.scale);
    expect(b.clamped).toEqual([]);
  });
});
