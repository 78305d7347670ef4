import { createEngine } from '@collabopt/engine';
import { fakeQuantTensor, fakeQuantWeightTensor } from './tf-fake-quant';
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

  it('passes gradients straight through inside the range and blocks them where clipped', () => {
    const p = asymmetricParams(-2, 6);
    const g = tf.grad((x: tf.Tensor) => fakeQuantTensor(x, p));
    const dx = g(tf.tensor1d([-5, -1, 3, 9]), tf.tensor1d([1, 2, 3, 4])).dataSync();
    expect(Array.from(dx)).toEqual([0, 2, 3, 0]);
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
