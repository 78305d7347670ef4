import * as tf from '@tensorflow/tfjs-core';
import '@tensorflow/tfjs-backend-cpu';
import '@tensorflow/tfjs-backend-wasm';
import {
  ADAM_UPDATE,
  adamCoefficients,
  adamUpdateInto,
  registerWasmGradientKernels,
  setHeapSimdEnabled,
  type AdamCoefficients,
} from './index';
import { FlatAdamOptimizer } from '../flat-adam';

registerWasmGradientKernels();

function random(n: number, seed: number, scale = 1): Float32Array {
  let s = seed * 2654435761 + 12345;
  const values = new Float32Array(n);
  for (let i = 0; i < n; i++) {
    s = (Math.imul(s, 1103515245) + 12345) >>> 0;
    values[i] = (s / 2 ** 32 - 0.5) * scale;
  }
  return values;
}

/** The Adam step as TF.js's elementwise kernels on the cpu backend, in FlatAdamOptimizer's order. */
async function composedOnCpu(
  g: Float32Array,
  m: Float32Array,
  v: Float32Array,
  p: Float32Array,
  c: AdamCoefficients,
): Promise<Float32Array[]> {
  await tf.setBackend('cpu');
  const outs = tf.tidy(() => {
    const [gt, mt, vt, pt] = [g, m, v, p].map((a) => tf.tensor1d(a));
    const m2 = tf.add(tf.mul(mt!, c.beta1), tf.mul(gt!, c.oneMinusBeta1));
    const v2 = tf.add(tf.mul(vt!, c.beta2), tf.mul(tf.square(gt!), c.oneMinusBeta2));
    const update = tf.div(
      tf.mul(m2, c.stepScale),
      tf.add(tf.mul(tf.sqrt(v2), c.rootScale), c.epsilon),
    );
    return [m2, v2, tf.add(pt!, update)];
  });
  const values = outs.map((t) => t.dataSync() as Float32Array);
  tf.dispose(outs);
  return values;
}

async function fusedOnWasm(
  g: Float32Array,
  m: Float32Array,
  v: Float32Array,
  p: Float32Array,
  c: AdamCoefficients,
): Promise<Float32Array[]> {
  await tf.setBackend('wasm');
  const inputs = {
    grad: tf.tensor1d(g),
    m: tf.tensor1d(m),
    v: tf.tensor1d(v),
    params: tf.tensor1d(p),
  };
  const outs = tf.engine().runKernel(ADAM_UPDATE, inputs, { ...c }) as tf.Tensor[];
  const values = outs.map((t) => t.dataSync() as Float32Array);
  tf.dispose([...outs, ...Object.values(inputs)]);
  return values;
}

describe('Adam update over flat buffers', () => {
  test('adamCoefficients (hand-computed): lr 0.1, β1 0.5, β2 0.75, step 1 and 2', () => {
    expect(adamCoefficients(0.1, 0.5, 0.75, 0, 1)).toEqual({
      beta1: 0.5,
      oneMinusBeta1: 0.5,
      beta2: 0.75,
      oneMinusBeta2: 0.25,
      stepScale: Math.fround(-0.2),
      rootScale: 2,
      epsilon: 0,
    });
    // 1 − 0.5² = 0.75: stepScale −0.1 / 0.75; 1 − 0.75² = 0.4375: rootScale 1 / √0.4375.
    const second = adamCoefficients(0.1, 0.5, 0.75, 0, 2);
    expect(second.stepScale).toBe(Math.fround(-0.1 / 0.75));
    expect(second.rootScale).toBe(Math.fround(1 / Math.sqrt(0.4375)));
  });

  test('adamUpdateInto (hand-computed): g 2, m 1, v 4, p 10', () => {
    const c: AdamCoefficients = {
      beta1: 0.5,
      oneMinusBeta1: 0.5,
      beta2: 0.75,
      oneMinusBeta2: 0.25,
      stepScale: -0.5,
      rootScale: 2,
      epsilon: 0.5,
    };
    const out = { m: new Float32Array(2), v: new Float32Array(2), params: new Float32Array(2) };
    adamUpdateInto(
      Float32Array.of(2, 0),
      Float32Array.of(1, -2),
      Float32Array.of(4, 0),
      Float32Array.of(10, 3),
      c,
      out,
    );
    // m' = 1·0.5 + 2·0.5 = 1.5; v' = 4·0.75 + 4·0.25 = 4; p' = 10 + (1.5·−0.5) / (2·2 + 0.5).
    // Second element: m' = −1, v' = 0, p' = 3 + 0.5 / 0.5 = 4.
    expect(Array.from(out.m)).toEqual([1.5, -1]);
    expect(Array.from(out.v)).toEqual([4, 0]);
    expect(Array.from(out.params)).toEqual([Math.fround(10 - 0.75 / 4.5), 4]);
  });

  // 1031 = 4·257 + 3: the SIMD loop and the scalar tail both run.
  test.each([
    [1031, 1],
    [1031, 7],
    [3, 2],
    [64, 1000],
  ])(
    'the wasm kernel (SIMD and JavaScript) equals the composed cpu kernels bit for bit: n %i, step %i',
    async (n, step) => {
      const g = random(n, 1, 0.2);
      const m = random(n, 2, 0.01);
      const v = Float32Array.from(random(n, 3, 0.002), Math.abs);
      const p = random(n, 4);
      const c = adamCoefficients(1e-3, 0.9, 0.999, 1e-7, step);
      const expected = await composedOnCpu(g, m, v, p, c);
      expect(expected[2]!.some((x, i) => x !== p[i])).toBe(true);
      for (const simd of [true, false]) {
        setHeapSimdEnabled(simd);
        try {
          const got = await fusedOnWasm(g, m, v, p, c);
          got.forEach((values, k) => expect(Array.from(values)).toEqual(Array.from(expected[k]!)));
        } finally {
          setHeapSimdEnabled(true);
        }
      }
      const js = { m: new Float32Array(n), v: new Float32Array(n), params: new Float32Array(n) };
      adamUpdateInto(g, m, v, p, c, js);
      expect(Array.from(js.params)).toEqual(Array.from(expected[2]!));
    },
  );

  test('names the operand whose size differs from the gradient', async () => {
    await tf.setBackend('wasm');
    const inputs = {
      grad: tf.zeros([8]),
      m: tf.zeros([8]),
      v: tf.zeros([7]),
      params: tf.zeros([8]),
    };
    expect(() =>
      tf
        .engine()
        .runKernel(ADAM_UPDATE, inputs, { ...adamCoefficients(1e-3, 0.9, 0.999, 1e-7, 1) }),
    ).toThrow(/CollaboptAdamUpdate: v has 7 elements, grad 8/);
    tf.dispose(Object.values(inputs));
  });

  test('FlatAdamOptimizer runs its step as the one kernel on wasm, with the values of the cpu backend', async () => {
    const train = async (
      backend: string,
    ): Promise<{ values: Float32Array[]; kernels: string[] }> => {
      await tf.setBackend(backend);
      const w = tf.variable(tf.tensor2d(random(12, 5), [3, 4]));
      const b = tf.variable(tf.tensor1d(random(4, 6)));
      const goal = tf.tensor2d(random(12, 7), [3, 4]);
      const optimizer = new FlatAdamOptimizer(0.05);
      const loss = (): tf.Scalar => tf.sum(tf.square(tf.sub(tf.add(w, b), goal))) as tf.Scalar;
      const profile = await tf.profile(() => {
        for (let step = 0; step < 3; step++) optimizer.minimize(loss, false, [w, b]);
      });
      const values = [w.dataSync() as Float32Array, b.dataSync() as Float32Array];
      tf.dispose([w, b, goal]);
      optimizer.dispose();
      return { values, kernels: profile.kernels.map((k) => k.name) };
    };
    const wasm = await train('wasm');
    const cpu = await train('cpu');
    expect(wasm.kernels.filter((k) => k === ADAM_UPDATE)).toHaveLength(3);
    expect(wasm.kernels).not.toContain('Sqrt');
    expect(cpu.kernels).not.toContain(ADAM_UPDATE);
    wasm.values.forEach((values, i) =>
      values.forEach((x, j) => expect(x).toBeCloseTo(cpu.values[i]![j]!, 6)),
    );
  });
});
