import {
  ACTIVATIONS,
  GraphBuilder,
  applyActivation,
  createRng,
  floatTensor,
  sizeOf,
  type Attributes,
  type Graph,
  type Tensor,
} from '@collabopt/core';
import { createEngine, tf, type Engine } from './index';
import { refConv, refConvTranspose, refPool, type Nhwc } from '../test/reference-ops';

let engine: Engine;
beforeAll(async () => {
  engine = await createEngine({
    backend: 'wasm',
    logger: { debug() {}, info() {}, warn() {}, error() {} },
  });
});

function randomTensor(shape: number[], seed: number, lo = -1, hi = 1): Tensor<'float32'> {
  const rng = createRng(seed);
  const data = new Float32Array(sizeOf(shape));
  for (let i = 0; i < data.length; i++) data[i] = rng.uniform(lo, hi);
  return floatTensor(shape, data);
}

/** One-layer graph: inputs of the given per-sample shapes → op. */
function single(op: string, attrs: Attributes, sampleShapes: number[][], seed = 1): Graph {
  const b = new GraphBuilder('t', { seed });
  const ins = sampleShapes.map((s, i) => b.input(`x${i}`, [-1, ...s]));
  return b.build(b.layer(op, 'op', ins, attrs));
}

async function run(graph: Graph, inputs: Tensor[]): Promise<Tensor> {
  return (await engine.predict(graph, inputs))[0]!;
}

function nhwc(t: Tensor): Nhwc {
  const [n, h, w, c] = t.shape as number[];
  return { n: n!, h: h!, w: w!, c: c!, data: t.data as Float32Array };
}

function expectClose(
  actual: Tensor,
  expected: { data: ArrayLike<number> } & Partial<Omit<Nhwc, 'data'>>,
  tol = 1e-4,
): void {
  expect(actual.data.length).toBe(expected.data.length);
  if (expected.h !== undefined)
    expect(actual.shape.slice(1)).toEqual([expected.h, expected.w, expected.c]);
  let worst = 0;
  for (let i = 0; i < expected.data.length; i++)
    worst = Math.max(worst, Math.abs(Number(actual.data[i]) - expected.data[i]!));
  expect(worst).toBeLessThan(tol);
}

const weight = (g: Graph, slot: string): Float32Array =>
  g.node('op').weight(slot).tensor.data as Float32Array;

describe('convolutions', () => {
  const cases: { name: string; k: number[]; s: number[]; d: number[]; p: 'same' | 'valid' }[] = [
    { name: '3x3 valid', k: [3, 3], s: [1, 1], d: [1, 1], p: 'valid' },
    { name: '3x3 same stride 2', k: [3, 3], s: [2, 2], d: [1, 1], p: 'same' },
    { name: '2x3 same stride (2,1)', k: [2, 3], s: [2, 1], d: [1, 1], p: 'same' },
    { name: '3x3 dilation 2 same', k: [3, 3], s: [1, 1], d: [2, 2], p: 'same' },
    { name: '3x3 dilation 2 stride 2 same', k: [3, 3], s: [2, 2], d: [2, 2], p: 'same' },
    { name: '3x3 dilation 2 stride 2 valid', k: [3, 3], s: [2, 2], d: [2, 2], p: 'valid' },
  ];
  test.each(cases)('Conv2D $name matches the reference (bias, relu)', async ({ k, s, d, p }) => {
    const g = single(
      'Conv2D',
      { filters: 4, kernelSize: k, strides: s, dilations: d, padding: p, activation: 'relu' },
      [[9, 8, 3]],
    );
    g.node('op').weight('bias').tensor = randomTensor([4], 7);
    const x = randomTensor([2, 9, 8, 3], 2);
    const ref = refConv(nhwc(x), weight(g, 'kernel'), k, 4, s, d, p);
    const bias = weight(g, 'bias');
    const expected = { ...ref, data: ref.data.map((v, i) => Math.max(0, v + bias[i % 4]!)) };
    expectClose(await run(g, [x]), expected);
  });

  test.each(cases)(
    'DepthwiseConv2D $name (multiplier 2) matches the reference',
    async ({ k, s, d, p }) => {
      const g = single(
        'DepthwiseConv2D',
        { depthMultiplier: 2, kernelSize: k, strides: s, dilations: d, padding: p },
        [[9, 8, 3]],
      );
      g.node('op').weight('kernel').tensor = randomTensor([k[0]!, k[1]!, 3, 2], 5);
      const x = randomTensor([2, 9, 8, 3], 3);
      expectClose(await run(g, [x]), refConv(nhwc(x), weight(g, 'kernel'), k, 6, s, d, p, true));
    },
  );

  test('SeparableConv2D = depthwise then pointwise, plus bias', async () => {
    const g = single(
      'SeparableConv2D',
      { filters: 5, depthMultiplier: 2, kernelSize: [3, 3], padding: 'same', strides: [2, 2] },
      [[7, 7, 2]],
    );
    g.node('op').weight('depthwiseKernel').tensor = randomTensor([3, 3, 2, 2], 9);
    g.node('op').weight('bias').tensor = randomTensor([5], 10);
    const x = randomTensor([1, 7, 7, 2], 4);
    const dw = refConv(
      nhwc(x),
      weight(g, 'depthwiseKernel'),
      [3, 3],
      4,
      [2, 2],
      [1, 1],
      'same',
      true,
    );
    const pw = refConv(dw, weight(g, 'pointwiseKernel'), [1, 1], 5, [1, 1], [1, 1], 'valid');
    const bias = weight(g, 'bias');
    expectClose(await run(g, [x]), { ...pw, data: pw.data.map((v, i) => v + bias[i % 5]!) });
  });

  test.each([
    { k: [3, 3], s: [2, 2], p: 'same' as const },
    { k: [3, 3], s: [2, 2], p: 'valid' as const },
    { k: [2, 2], s: [2, 2], p: 'valid' as const },
    { k: [3, 3], s: [1, 1], p: 'same' as const },
  ])('Conv2DTranspose k$k s$s $p matches the scatter reference', async ({ k, s, p }) => {
    const g = single('Conv2DTranspose', { filters: 3, kernelSize: k, strides: s, padding: p }, [
      [4, 5, 2],
    ]);
    const x = randomTensor([2, 4, 5, 2], 6);
    expectClose(await run(g, [x]), refConvTranspose(nhwc(x), weight(g, 'kernel'), k, 3, s, p));
  });

  test('Conv2DTranspose with dilation equals the transpose with a zero-spread kernel', async () => {
    const g = single(
      'Conv2DTranspose',
      { filters: 2, kernelSize: [2, 2], dilations: [2, 2], padding: 'valid' },
      [[3, 3, 1]],
    );
    const k = weight(g, 'kernel'); // [2,2,2,1]
    const spread = new Float32Array(3 * 3 * 2);
    for (let a = 0; a < 2; a++)
      for (let e = 0; e < 2; e++)
        for (let f = 0; f < 2; f++) spread[(a * 2 * 3 + e * 2) * 2 + f] = k[(a * 2 + e) * 2 + f]!;
    const x = randomTensor([1, 3, 3, 1], 8);
    expectClose(await run(g, [x]), refConvTranspose(nhwc(x), spread, [3, 3], 2, [1, 1], 'valid'));
  });
});

describe('dense and normalisation', () => {
  test('Dense on rank 3 applies the kernel to the last axis', async () => {
    const g = single('Dense', { units: 2, activation: 'tanh' }, [[3, 4]]);
    g.node('op').weight('bias').tensor = floatTensor([2], [0.5, -0.5]);
    const x = randomTensor([2, 3, 4], 1);
    const k = weight(g, 'kernel');
    const exp = new Float32Array(12);
    for (let r = 0; r < 6; r++)
      for (let u = 0; u < 2; u++) {
        let s = u === 0 ? 0.5 : -0.5;
        for (let i = 0; i < 4; i++) s += (x.data as Float32Array)[r * 4 + i]! * k[i * 2 + u]!;
        exp[r * 2 + u] = Math.tanh(s);
      }
    const y = await run(g, [x]);
    expect(y.shape).toEqual([2, 3, 2]);
    expectClose(y, { data: exp });
  });

  test('BatchNorm in inference uses the moving statistics', async () => {
    const g = single('BatchNorm', { epsilon: 0.01 }, [[2, 3]]);
    const n = g.node('op');
    n.weight('gamma').tensor = floatTensor([3], [1, 2, 3]);
    n.weight('beta').tensor = floatTensor([3], [0, 1, -1]);
    n.weight('movingMean').tensor = floatTensor([3], [0.5, -1, 2]);
    n.weight('movingVariance').tensor = floatTensor([3], [1, 4, 0.25]);
    const x = randomTensor([2, 2, 3], 3);
    const mm = [0.5, -1, 2],
      mv = [1, 4, 0.25],
      ga = [1, 2, 3],
      be = [0, 1, -1];
    const exp = Array.from(x.data as Float32Array, (v, i) => {
      const c = i % 3;
      return ((v - mm[c]!) / Math.sqrt(mv[c]! + 0.01)) * ga[c]! + be[c]!;
    });
    expectClose(await run(g, [x]), { data: exp });
  });

  test('BatchNorm on axis 1 broadcasts along that axis', async () => {
    const g = single('BatchNorm', { axis: 1, center: false, scale: false }, [[2, 3]]);
    g.node('op').weight('movingMean').tensor = floatTensor([2], [1, -1]);
    const x = randomTensor([1, 2, 3], 4);
    const exp = Array.from(
      x.data as Float32Array,
      (v, i) => (v - (i < 3 ? 1 : -1)) / Math.sqrt(1 + 1e-3),
    );
    expectClose(await run(g, [x]), { data: exp });
  });

  test('LayerNorm normalises each example over the given axes', async () => {
    const g = single('LayerNorm', { axis: [-1] }, [[2, 4]]);
    g.node('op').weight('gamma').tensor = floatTensor([4], [1, 2, 3, 4]);
    g.node('op').weight('beta').tensor = floatTensor([4], [0, 0, 1, 1]);
    const x = randomTensor([1, 2, 4], 5);
    const d = x.data as Float32Array;
    const exp: number[] = [];
    for (let r = 0; r < 2; r++) {
      const row = Array.from(d.subarray(r * 4, r * 4 + 4));
      const m = row.reduce((a, b) => a + b) / 4;
      const v = row.reduce((a, b) => a + (b - m) ** 2, 0) / 4;
      row.forEach((val, i) =>
        exp.push(((val - m) / Math.sqrt(v + 1e-3)) * [1, 2, 3, 4][i]! + [0, 0, 1, 1][i]!),
      );
    }
    expectClose(await run(g, [x]), { data: exp });
  });
});

describe('activations', () => {
  const elementwise = ACTIVATIONS.filter((a) => a !== 'softmax');
  test.each(elementwise)('Activation %s matches core applyActivation (defaults)', async (kind) => {
    const g = single('Activation', { activation: kind }, [[12]]);
    const x = randomTensor([2, 12], 11, -5, 5);
    const exp = Array.from(x.data as Float32Array, (v) => applyActivation(kind, v));
    expectClose(await run(g, [x]), { data: exp }, 2e-4);
  });

  test.each(['leaky_relu', 'elu', 'hard_sigmoid'] as const)(
    'Activation %s honours alpha/beta',
    async (kind) => {
      const g = single('Activation', { activation: kind, alpha: 0.3, beta: 0.4 }, [[12]]);
      const x = randomTensor([1, 12], 12, -4, 4);
      const exp = Array.from(x.data as Float32Array, (v) => applyActivation(kind, v, 0.3, 0.4));
      expectClose(await run(g, [x]), { data: exp });
    },
  );

  test('softmax (activation, Softmax op on axis 1)', async () => {
    const x = randomTensor([1, 2, 3], 13);
    const d = Array.from(x.data as Float32Array);
    const sm = (v: number[]): number[] => {
      const e = v.map(Math.exp);
      const s = e.reduce((a, b) => a + b);
      return e.map((q) => q / s);
    };
    const last = [...sm(d.slice(0, 3)), ...sm(d.slice(3))];
    expectClose(await run(single('Activation', { activation: 'softmax' }, [[2, 3]]), [x]), {
      data: last,
    });
    const cols = [0, 1, 2].map((j) => sm([d[j]!, d[3 + j]!]));
    const axis1 = [
      cols[0]![0]!,
      cols[1]![0]!,
      cols[2]![0]!,
      cols[0]![1]!,
      cols[1]![1]!,
      cols[2]![1]!,
    ];
    expectClose(await run(single('Softmax', { axis: 1 }, [[2, 3]]), [x]), { data: axis1 });
  });
});

describe('pooling', () => {
  test.each([
    { kind: 'max' as const, size: [2, 2], strides: null, p: 'valid' as const },
    { kind: 'max' as const, size: [3, 3], strides: [2, 2], p: 'same' as const },
    { kind: 'avg' as const, size: [2, 2], strides: null, p: 'valid' as const },
    { kind: 'avg' as const, size: [3, 3], strides: [2, 2], p: 'same' as const },
    { kind: 'avg' as const, size: [3, 3], strides: [1, 1], p: 'same' as const },
    { kind: 'avg' as const, size: [2, 2], strides: [2, 2], p: 'same' as const },
  ])(
    '$kind pool $size strides $strides $p (padding excluded from averages)',
    async ({ kind, size, strides, p }) => {
      const g = single(
        kind === 'max' ? 'MaxPool2D' : 'AvgPool2D',
        { poolSize: size, strides, padding: p },
        [[7, 5, 2]],
      );
      const x = randomTensor([2, 7, 5, 2], 14);
      expectClose(await run(g, [x]), refPool(nhwc(x), size, strides ?? size, p, kind));
    },
  );

  test('a 2×2 average with same padding on a 3×3 input: corner averages real pixels only', async () => {
    const g = single('AvgPool2D', { poolSize: [2, 2], strides: [2, 2], padding: 'same' }, [
      [3, 3, 1],
    ]);
    const x = floatTensor([1, 3, 3, 1], [1, 2, 3, 4, 5, 6, 7, 8, 9]);
    expectClose(await run(g, [x]), { data: [3, 4.5, 7.5, 9] });
  });

  test('global pools with and without keepDims', async () => {
    const x = floatTensor([1, 2, 2, 2], [1, -1, 2, -2, 3, -3, 4, -4]);
    const avg = await run(single('GlobalAvgPool', {}, [[2, 2, 2]]), [x]);
    expect(avg.shape).toEqual([1, 2]);
    expectClose(avg, { data: [2.5, -2.5] });
    const max = await run(single('GlobalMaxPool', { keepDims: true }, [[2, 2, 2]]), [x]);
    expect(max.shape).toEqual([1, 1, 1, 2]);
    expectClose(max, { data: [4, -1] });
  });
});

describe('element-wise and structural ops', () => {
  test('Add/Sub/Mul broadcast and apply the fused activation', async () => {
    const a = floatTensor([1, 2, 3], [1, -2, 3, -4, 5, -6]);
    const b = floatTensor([1, 1, 3], [1, 1, -10]);
    expectClose(
      await run(
        single('Add', { activation: 'relu' }, [
          [2, 3],
          [1, 3],
        ]),
        [a, b],
      ),
      { data: [2, 0, 0, 0, 6, 0] },
    );
    expectClose(
      await run(
        single('Sub', {}, [
          [2, 3],
          [1, 3],
        ]),
        [a, b],
      ),
      { data: [0, -3, 13, -5, 4, 4] },
    );
    expectClose(
      await run(
        single('Mul', {}, [
          [2, 3],
          [1, 3],
          [1, 3],
        ]),
        [a, b, b],
      ),
      { data: [1, -2, 300, -4, 5, -600] },
    );
  });

  test('Concat, Reshape, Flatten, Mean', async () => {
    const a = floatTensor([1, 2, 2], [1, 2, 3, 4]);
    const b = floatTensor([1, 2, 1], [5, 6]);
    const c = await run(
      single('Concat', { axis: -1 }, [
        [2, 2],
        [2, 1],
      ]),
      [a, b],
    );
    expect(c.shape).toEqual([1, 2, 3]);
    expectClose(c, { data: [1, 2, 5, 3, 4, 6] });
    const r = await run(single('Reshape', { targetShape: [4, -1] }, [[2, 2]]), [a]);
    expect(r.shape).toEqual([1, 4, 1]);
    const f = await run(single('Flatten', {}, [[2, 2]]), [a]);
    expect(f.shape).toEqual([1, 4]);
    expectClose(f, { data: [1, 2, 3, 4] });
    const m = await run(single('Mean', { axes: [1] }, [[2, 2]]), [a]);
    expectClose(m, { data: [2, 3] });
  });

  test('Pad with a constant value', async () => {
    const x = floatTensor([1, 1, 2, 1], [1, 2]);
    const y = await run(
      single(
        'Pad',
        {
          padding: [
            [1, 0],
            [0, 1],
          ],
          constantValue: -1,
        },
        [[1, 2, 1]],
      ),
      [x],
    );
    expect(y.shape).toEqual([1, 2, 3, 1]);
    expectClose(y, { data: [-1, -1, -1, 1, 2, -1] });
  });

  test('Dropout is the identity at inference', async () => {
    const x = randomTensor([2, 5], 3);
    expectClose(await run(single('Dropout', { rate: 0.9 }, [[5]]), [x]), {
      data: x.data as Float32Array,
    });
  });

  test('Upsample2D nearest repeats, bilinear interpolates with half-pixel centres', async () => {
    const x = floatTensor([1, 2, 2, 1], [1, 2, 3, 4]);
    const near = await run(single('Upsample2D', { size: [2, 2] }, [[2, 2, 1]]), [x]);
    expectClose(near, { data: [1, 1, 2, 2, 1, 1, 2, 2, 3, 3, 4, 4, 3, 3, 4, 4] });
    const row = floatTensor([1, 1, 2, 1], [0, 4]);
    const bil = await run(
      single('Upsample2D', { size: [1, 2], interpolation: 'bilinear' }, [[1, 2, 1]]),
      [row],
    );
    // half-pixel: output x maps to (x + 0.5) / 2 − 0.5 → −0.25, 0.25, 0.75, 1.25 (clamped)
    expectClose(bil, { data: [0, 1, 3, 4] });
  });
});

describe('custom ops', () => {
  test('a user kernel for a custom op registered in both registries', async () => {
    const { createOpRegistry } = await import('@collabopt/core');
    const registry = createOpRegistry();
    registry.register({
      name: 'Double',
      description: 'x · 2',
      attrs: {},
      minInputs: 1,
      maxInputs: 1,
      weights: [],
      infer: (ctx) => [{ shape: [...ctx.inputShapes[0]!], dtype: 'float32' }],
    });
    const custom = await createEngine({
      backend: 'wasm',
      registry,
      logger: { debug() {}, info() {}, warn() {}, error() {} },
    });
    custom.kernels.register('Double', ([x]) => tf.mul(x!, 2));
    const b = new GraphBuilder('c', { registry });
    const g = b.build(b.layer('Double', 'd', b.input('x', [-1, 2])));
    const y = await custom.predict(g, [floatTensor([1, 2], [1, -3])]);
    expect(Array.from(y[0]!.data as Float32Array)).toEqual([2, -6]);
    await expect(engine.predict(g, [floatTensor([1, 2], [1, -3])])).rejects.toThrow(/Double/);
  });
});
