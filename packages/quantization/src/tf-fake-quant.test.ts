import { createEngine } from '@collabopt/engine';
import { fakeQuantTensor, fakeQuantWeightTensor, insideRangeMask } from './tf-fake-quant';
import { quantizeDequantize } from './fake-quant';
import { asymmetricParams } from './quant-params';
import { quantizeSymmetric } from './weight-quantization';
import { tensor as coreTensor } from '@collabopt/core';
import { tf } from './tf';

beforeAll(async () => {
  await createEngine({ backend: 'cpu' });
});

describe('TF.js fake quantization', () => {
  it('matches the typed-array reference forward', () => {
    const p = asymmetricParams(-2, 6);
    const xs = [-3, -1.01, 0, 0.4, 2.2, 5.9, 7];
    const y = fakeQuantTensor(tf.tensor1d(xs), p).dataSync();
    const ref = quantizeDequantize(xs, p);
    ref.forEach((v, i) => expect(y[i]).toBeCloseTo(v, 6));
  });

  it('equals quantize, clip and dequantize with the zero point, exactly, on cpu and wasm', async () => {
    const p = asymmetricParams(-1.3, 7.9);
    expect(p.zeroPoint).not.toBe(0);
    const xs = Float32Array.from({ length: 3000 }, (_, i) => Math.sin(i * 7.77) * 11);
    for (let k = 0; k < 60; k++) xs[k] = Math.fround((k - 30.5) * Math.fround(p.scale)); // ties
    for (const backend of ['cpu', 'wasm']) {
      await createEngine({ backend: backend as 'cpu' | 'wasm' });
      const x = tf.tensor1d(xs);
      const got = fakeQuantTensor(x, p);
      const q = tf.clipByValue(tf.add(tf.round(tf.div(x, p.scale)), p.zeroPoint), p.qmin, p.qmax);
      const want = tf.mul(tf.sub(q, p.zeroPoint), p.scale);
      // equal values (a zero may come out as −0 where the zero point's addition made it +0)
      const a = Array.from(got.dataSync()).map((v) => v + 0);
      const b = Array.from(want.dataSync()).map((v) => v + 0);
      expect(a).toEqual(b);
      tf.dispose([x, got, q, want]);
    }
    await createEngine({ backend: 'cpu' });
  });

  it('passes gradients straight through inside the range and blocks them where clipped', () => {
    const p = asymmetricParams(-2, 6);
    const g = tf.grad((x: tf.Tensor) => fakeQuantTensor(x, p));
    const dx = g(tf.tensor1d([-5, -1, 3, 9]), tf.tensor1d([1, 2, 3, 4])).dataSync();
    expect(Array.from(dx)).toEqual([0, 2, 3, 0]);
  });

  it('the float-op range mask equals comparing, at the ends, beyond them and in between', async () => {
    const [lo, hi] = [-2.5, 6];
    const n = 2000;
    const xs = Float32Array.from({ length: n }, (_, i) => Math.sin(i * 12.9898) * 9);
    xs.set([lo, hi, Math.fround(lo - 1e-6), Math.fround(hi + 1e-6), 0, -0, 1e-40, -1e-40], 0);
    for (const backend of ['cpu', 'wasm']) {
      await createEngine({ backend: backend as 'cpu' | 'wasm' });
      const x = tf.tensor1d(xs);
      const mask = insideRangeMask(x, lo, hi);
      const compared = tf.cast(
        tf.logicalAnd(tf.greaterEqual(x, lo), tf.lessEqual(x, hi)),
        'float32',
      );
      const got = Array.from(mask.dataSync());
      const want = Array.from(compared.dataSync());
      // subnormal inputs may be flushed to zero by a SIMD backend: compare the normal ones
      const normal = (i: number) => xs[i] === 0 || Math.abs(xs[i]!) > 1e-37;
      expect(got.filter((_, i) => normal(i))).toEqual(want.filter((_, i) => normal(i)));
      expect(got.slice(0, 5)).toEqual([1, 1, 0, 0, 1]);
      expect(want.filter((v) => v === 0).length).toBeGreaterThan(100); // both sides clipped
      tf.dispose([x, mask, compared]);
    }
    await createEngine({ backend: 'cpu' });
  });

  it('fake-quantizes weights per output channel like the int8 weight quantizer', () => {
    const data = Float32Array.from(
      { length: 2 * 2 * 3 * 4 },
      (_, i) => Math.sin(i * 1.7) * (1 + (i % 4)),
    );
    const y = fakeQuantWeightTensor(tf.tensor(data, [2, 2, 3, 4]), [3]).dataSync();
    const ref = quantizeSymmetric(coreTensor('float32', [2, 2, 3, 4], data), { channelAxes: [3] });
    ref.values.forEach((v, i) => expect(y[i]).toBeCloseTo(v, 6));
    const dw = fakeQuantWeightTensor(tf.tensor(data, [2, 2, 3, 4]), [2, 3]).dataSync();
    const refDw = quantizeSymmetric(coreTensor('float32', [2, 2, 3, 4], data), {
      channelAxes: [2, 3],
    });
    refDw.values.forEach((v, i) => expect(dw[i]).toBeCloseTo(v, 6));
  });

  it('weight fake-quant gradient is the identity', () => {
    const g = tf.grad((w: tf.Tensor) => fakeQuantWeightTensor(w, undefined));
    expect(
      Array.from(
        g(
          tf.tensor2d([
            [0.5, -1],
            [0.1, 0],
          ]),
          tf.fill([2, 2], 3),
        ).dataSync(),
      ),
    ).toEqual([3, 3, 3, 3]);
  });
});
