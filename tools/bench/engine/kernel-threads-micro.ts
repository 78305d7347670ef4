/**
 * Microbenchmark behind the SIMD helper threads (src/wasm-threads-helper.ts): collabopt's own wasm
 * gradient kernels split by images into calls the calling thread and a helper share ("split")
 * vs the calling thread alone ("single"), on the layers of the benchmark CNN, the reference CNN and the
 * MobileNet models. Interleaved in one process, medians and minimums (on a loaded machine the
 * minimum is the round where both threads found a core); fresh dy each call as in training.
 *
 *   npx tsc -b packages/engine/tsconfig.json
 *   COLLABOPT_WASM_THREADS=2 npx tsx tools/bench/engine/kernel-threads-micro.ts
 */
import { activateBackend, tf } from '@collabopt/engine';
import { loadAverage } from './cpu-info';
import { interleaveStats } from './interleave';
const {
  backendMemory,
  setSimdThreadPool,
  simdThreadPoolOn,
  // eslint-disable-next-line @typescript-eslint/no-require-imports
} = require('../../../packages/engine/dist/wasm-kernels');

interface Case {
  readonly name: string;
  readonly kernel: string;
  readonly inputs: () => Record<string, tf.Tensor>;
  readonly attrs: object;
}

function cases(): Case[] {
  const conv = (name: string, x: number[], f: number[], s: number, pad: 'same' | 'valid') => {
    const dyShape = tf.tidy(
      () => tf.conv2d(tf.zeros(x) as tf.Tensor4D, tf.zeros(f) as tf.Tensor4D, s, pad).shape,
    );
    const xt = tf.randomNormal(x);
    const ft = tf.randomNormal(f);
    const dy = tf.randomNormal(dyShape);
    const attrs = { strides: s, pad, dataFormat: 'NHWC' };
    return [
      {
        name: `filter grad ${name}`,
        kernel: 'Conv2DBackpropFilter',
        inputs: () => ({ x: xt, dy: tf.add(dy, 1) }),
        attrs: { ...attrs, filterShape: f },
      },
      {
        name: `input grad ${name}`,
        kernel: 'Conv2DBackpropInput',
        inputs: () => ({ dy: tf.add(dy, 1), filter: ft }),
        attrs: { ...attrs, inputShape: x },
      },
    ];
  };
  const dw = (name: string, x: number[], c: number, s: number) => {
    const f = [3, 3, c, 1];
    const dyShape = tf.tidy(
      () =>
        tf.depthwiseConv2d(tf.zeros(x) as tf.Tensor4D, tf.zeros(f) as tf.Tensor4D, s, 'same').shape,
    );
    const xt = tf.randomNormal(x);
    const ft = tf.randomNormal(f);
    const dy = tf.randomNormal(dyShape);
    const attrs = { strides: s, pad: 'same', dilations: 1 };
    return [
      {
        name: `dw filter grad ${name}`,
        kernel: 'DepthwiseConv2dNativeBackpropFilter',
        inputs: () => ({ x: xt, dy: tf.add(dy, 1) }),
        attrs: { ...attrs, filterShape: f },
      },
      {
        name: `dw input grad ${name}`,
        kernel: 'DepthwiseConv2dNativeBackpropInput',
        inputs: () => ({ dy: tf.add(dy, 1), filter: ft }),
        attrs: { ...attrs, inputShape: x },
      },
    ];
  };
  const pool = (x: number[]) => {
    const xt = tf.randomNormal(x);
    const dy = tf.randomNormal([x[0]!, x[1]! >> 1, x[2]! >> 1, x[3]!]);
    return {
      name: `max-pool grad ${JSON.stringify(x)}`,
      kernel: 'MaxPoolGrad',
      inputs: () => ({ input: xt, output: xt, dy: tf.add(dy, 1) }),
      attrs: { filterSize: 2, strides: 2, pad: 'valid' },
    };
  };
  const relu = (x: number[]) => {
    const xt = tf.randomNormal(x);
    const dy = tf.randomNormal(x);
    return {
      name: `relu grad ${JSON.stringify(x)}`,
      kernel: 'ReluGrad',
      inputs: () => ({ x: xt, dy: tf.add(dy, 1) }),
      attrs: {},
    };
  };
  return [
    ...conv('bench conv2 [64,13,13,32] 3x3x32x64', [64, 13, 13, 32], [3, 3, 32, 64], 1, 'valid'),
    ...conv('ref conv2 [64,13,13,16] 3x3x16x32', [64, 13, 13, 16], [3, 3, 16, 32], 1, 'valid'),
    conv('bench conv1 [64,28,28,1] 3x3x1x32', [64, 28, 28, 1], [3, 3, 1, 32], 1, 'valid')[0]!,
    conv('mnv2 pw [64,14,14,24] 1x1x24x96', [64, 14, 14, 24], [1, 1, 24, 96], 1, 'same')[0]!,
    ...dw('[64,14,14,96] s1', [64, 14, 14, 96], 96, 1),
    ...dw('[64,28,28,64] s2', [64, 28, 28, 64], 64, 2),
    pool([64, 26, 26, 32]),
    relu([64, 26, 26, 32]),
  ];
}

async function main(): Promise<void> {
  await activateBackend('wasm');
  const memory = backendMemory(tf.backend());
  const pool = memory === undefined ? undefined : simdThreadPoolOn(memory);
  console.log(
    `load average ${loadAverage()} (shared machine); helper threads: ${pool?.helpers ?? 0}`,
  );
  if (pool === undefined) {
    console.log('no helper threads: run with COLLABOPT_WASM_THREADS=2 (threaded wasm build)');
    return;
  }
  const reps = Number(process.env['REPS'] ?? 25);
  // Always split here (the pool's own policy rests the helpers on a loaded machine).
  const forced = { helpers: pool.helpers, helpersForNextKernel: () => pool.helpers, run: pool.run };
  for (const c of cases()) {
    const run = (split: boolean) => () => {
      setSimdThreadPool(memory, split ? forced : undefined);
      return tf.tidy(() => {
        const inputs = c.inputs();
        return tf.engine().runKernel(c.kernel, inputs, c.attrs as tf.NamedAttrMap) as tf.Tensor;
      });
    };
    const inputsOnly = () => tf.tidy(() => Object.values(c.inputs()).map((t) => tf.clone(t)));
    const t = interleaveStats(
      { split: run(true), single: run(false), inputsOnly },
      { warmup: 3, rounds: reps },
    );
    const speedUp = (k: 'median' | 'min') =>
      ((t['single']![k] - t['inputsOnly']![k]) / (t['split']![k] - t['inputsOnly']![k])).toFixed(2);
    const ms = (n: string) => `${n} ${t[n]!.median.toFixed(2)} (min ${t[n]!.min.toFixed(2)}) ms`;
    console.log(
      `${c.name}: ${ms('split')}; ${ms('single')}; ${ms('inputsOnly')}; split faster: ${speedUp('median')}× median, ${speedUp('min')}× min`,
    );
  }
  setSimdThreadPool(memory, pool);
  console.log(`load average ${loadAverage()}`);
}
void main();
