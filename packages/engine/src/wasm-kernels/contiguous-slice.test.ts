import * as tf from '@tensorflow/tfjs-core';
import '@tensorflow/tfjs-backend-cpu';
import '@tensorflow/tfjs-backend-wasm';
import { contiguousSliceOffset, registerWasmGradientKernels, setHeapSliceEnabled } from './index';

registerWasmGradientKernels();

function values(n: number, seed: number): number[] {
  let s = seed * 2654435761 + 12345;
  return Array.from({ length: n }, () => {
    s = (Math.imul(s, 1103515245) + 12345) >>> 0;
    return Math.round((s / 2 ** 32 - 0.5) * 2000);
  });
}

/** `op` on a tensor of `shape` (filled from `seed`) on `backend`: every output's shape and values. */
async function on(
  backend: string,
  shape: number[],
  dtype: 'float32' | 'int32' | 'bool',
  op: (x: tf.Tensor) => tf.Tensor | tf.Tensor[],
): Promise<{ shape: number[]; values: number[] }[]> {
  await tf.setBackend(backend);
  const n = shape.reduce((a, b) => a * b, 1);
  const raw = values(n, shape.length + n);
  const x = tf.tensor(dtype === 'bool' ? raw.map((v) => (v > 0 ? 1 : 0)) : raw, shape, dtype);
  const out = op(x);
  const outs = Array.isArray(out) ? out : [out];
  const result = outs.map((t) => ({ shape: t.shape, values: Array.from(t.dataSync()) }));
  tf.dispose([x, ...outs]);
  return result;
}

describe('Slice / SplitV (replaced where the slice is one contiguous run)', () => {
  test('contiguousSliceOffset (hand-computed on [4, 3, 5])', () => {
    // Rows 1-2 of axis 0, whole rest: starts at 1·15.
    expect(contiguousSliceOffset([4, 3, 5], [1, 0, 0], [2, 3, 5])).toBe(15);
    // One row of axis 0, rows 1-2 of axis 1: 2·15 + 1·5.
    expect(contiguousSliceOffset([4, 3, 5], [2, 1, 0], [1, 2, 5])).toBe(35);
    // A single element: 3·15 + 2·5 + 4.
    expect(contiguousSliceOffset([4, 3, 5], [3, 2, 4], [1, 1, 1])).toBe(59);
    // Two rows of axis 0 but part of axis 2: not one run.
    expect(contiguousSliceOffset([4, 3, 5], [0, 0, 1], [2, 3, 3])).toBeUndefined();
  });

  const slices: [number[], number[], number[]][] = [
    [[56714], [144], [4608]],
    [
      [7, 3, 5],
      [2, 0, 0],
      [3, 3, 5],
    ],
    [
      [7, 3, 5],
      [4, 1, 0],
      [1, 2, 5],
    ],
    [
      [2, 9, 4, 3],
      [1, 4, 2, 0],
      [1, 1, 2, 3],
    ],
    // Not contiguous: the stock kernel.
    [
      [7, 3, 5],
      [1, 1, 2],
      [3, 2, 3],
    ],
    [
      [6, 10],
      [0, 3],
      [6, 4],
    ],
  ];
  test.each(slices)(
    'slice of %j at %j size %j equals the cpu backend',
    async (shape, begin, size) => {
      for (const dtype of ['float32', 'int32', 'bool'] as const) {
        const slice = (x: tf.Tensor): tf.Tensor => tf.slice(x, begin, size);
        const expected = await on('cpu', shape, dtype, slice);
        expect(await on('wasm', shape, dtype, slice)).toEqual(expected);
      }
    },
  );

  const splits: [number[], number | number[], number][] = [
    [[56714], [144, 16, 4608, 32, 51200, 64, 640, 10], 0],
    [[12, 5], 3, 0],
    [[1, 11, 3], [4, -1, 2], 1],
    [[1, 1, 9], [2, 3, 4], -1],
    // Not contiguous: the stock kernel.
    [[3, 10], [4, 6], 1],
    [[2, 6, 3], 2, 1],
  ];
  test.each(splits)(
    'split of %j into %j along axis %i equals the cpu backend',
    async (shape, parts, axis) => {
      for (const dtype of ['float32', 'int32'] as const) {
        const split = (x: tf.Tensor): tf.Tensor[] => tf.split(x, parts, axis);
        const expected = await on('cpu', shape, dtype, split);
        expect(await on('wasm', shape, dtype, split)).toEqual(expected);
      }
    },
  );

  test('the stock kernels give the same results (the benchmark switch)', async () => {
    const split = (x: tf.Tensor): tf.Tensor[] => tf.split(x, [5, 20, 75], 0);
    const fast = await on('wasm', [100], 'float32', split);
    setHeapSliceEnabled(false);
    try {
      expect(await on('wasm', [100], 'float32', split)).toEqual(fast);
    } finally {
      setHeapSliceEnabled(true);
    }
  });

  test('a contiguous split copies inside the heap: no read of the whole input per part', async () => {
    await tf.setBackend('wasm');
    const backend = tf.backend() as unknown as { readSync(...args: unknown[]): unknown };
    const readSync = jest.spyOn(backend, 'readSync');
    const x = tf.range(0, 1000, 1, 'float32');
    try {
      tf.dispose(tf.split(x, [100, 400, 500]));
      expect(readSync).not.toHaveBeenCalled();
      setHeapSliceEnabled(false);
      tf.dispose(tf.split(x, [100, 400, 500]));
      expect(readSync).toHaveBeenCalledTimes(3);
    } finally {
      setHeapSliceEnabled(true);
      readSync.mockRestore();
      x.dispose();
    }
  });

  test('a slice that grows the wasm memory reads its input after the growth', async () => {
    await tf.setBackend('wasm');
    // Large enough that allocating the output may grow the heap (and detach earlier views).
    const x = tf.range(0, 6_000_000, 1, 'float32');
    const part = tf.slice(x, [1_000_000], [4_000_000]);
    const v = part.dataSync();
    expect([v[0], v[1_999_999], v[3_999_999]]).toEqual([1_000_000, 2_999_999, 4_999_999]);
    tf.dispose([x, part]);
  });
});
