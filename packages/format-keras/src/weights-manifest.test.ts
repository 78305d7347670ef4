import { CollaboptError, float32ToFloat16Bits } from '@collabopt/core';
import { KERAS_ERROR_CODES } from './errors';
import { JsonReader } from './json';
import { encodeWeights, readWeights, splitShards } from './weights-manifest';

const manifest = (groups: unknown): JsonReader => new JsonReader(groups, 'weightsManifest');
const bytesOf = (a: ArrayBufferView): Uint8Array =>
  new Uint8Array(a.buffer, a.byteOffset, a.byteLength).slice();

async function expectCode(p: Promise<unknown>, code: string): Promise<void> {
  const e = await p.then(
    () => undefined,
    (err: unknown) => err,
  );
  expect(e).toBeInstanceOf(CollaboptError);
  expect((e as CollaboptError).code).toBe(code);
}

describe('readWeights', () => {
  it('reads float32 and int32 weights back to back across shard boundaries', async () => {
    const f = new Float32Array([1.5, -2, 3.25]);
    const i = new Int32Array([7, -9]);
    const all = new Uint8Array([...bytesOf(f), ...bytesOf(i)]);
    const shards: Record<string, Uint8Array> = {
      a: all.subarray(0, 5),
      b: all.subarray(5, 13),
      c: all.subarray(13),
    };
    const w = await readWeights(
      manifest([
        {
          paths: ['a', 'b', 'c'],
          weights: [
            { name: 'd/kernel', shape: [3, 1], dtype: 'float32' },
            { name: 'd/count', shape: [2], dtype: 'int32' },
          ],
        },
      ]),
      async (p) => shards[p]!,
    );
    expect(w.get('d/kernel')).toEqual({ dtype: 'float32', shape: [3, 1], data: f });
    expect(w.get('d/count')).toEqual({ dtype: 'int32', shape: [2], data: i });
  });

  it('dequantizes uint8 and uint16 affine weights as q·scale + min', async () => {
    const shards = { s: new Uint8Array([0, 1, 255, ...bytesOf(new Uint16Array([0, 1000]))]) };
    const w = await readWeights(
      manifest([
        {
          paths: ['s'],
          weights: [
            {
              name: 'a',
              shape: [3],
              dtype: 'float32',
              quantization: { dtype: 'uint8', min: -1, scale: 0.5 },
            },
            {
              name: 'b',
              shape: [2],
              dtype: 'float32',
              quantization: { dtype: 'uint16', min: 2, scale: 0.001 },
            },
          ],
        },
      ]),
      async (p) => shards[p as 's'],
    );
    expect(Array.from(w.get('a')!.data as Float32Array)).toEqual([-1, -0.5, 126.5]);
    expect(Array.from(w.get('b')!.data as Float32Array)).toEqual([2, Math.fround(3)]);
  });

  it('decodes float16 weights and restores int32 originals', async () => {
    const half = new Uint16Array([float32ToFloat16Bits(0.5), float32ToFloat16Bits(-3)]);
    const shards = { s: new Uint8Array([...bytesOf(half), 3, 4]) };
    const w = await readWeights(
      manifest([
        {
          paths: ['s'],
          weights: [
            { name: 'h', shape: [2], dtype: 'float32', quantization: { dtype: 'float16' } },
            {
              name: 'n',
              shape: [2],
              dtype: 'int32',
              quantization: { dtype: 'uint8', min: 10, scale: 1, original_dtype: 'int32' },
            },
          ],
        },
      ]),
      async () => shards.s,
    );
    expect(Array.from(w.get('h')!.data as Float32Array)).toEqual([0.5, -3]);
    expect(w.get('n')).toEqual({ dtype: 'int32', shape: [2], data: new Int32Array([13, 14]) });
  });

  it('skips optimizer weights', async () => {
    const w = await readWeights(
      manifest([
        {
          paths: ['s'],
          weights: [{ name: 'opt/iter', shape: [], dtype: 'int32', group: 'optimizer' }],
        },
      ]),
      async () => new Uint8Array(0),
    );
    expect(w.size).toBe(0);
  });

  it('rejects short and oversized shards, unreadable shards and bad entries with typed errors', async () => {
    const g = (weights: unknown[]): JsonReader => manifest([{ paths: ['s'], weights }]);
    const one = [{ name: 'a', shape: [4], dtype: 'float32' }];
    await expectCode(
      readWeights(g(one), async () => new Uint8Array(15)),
      KERAS_ERROR_CODES.shardSize,
    );
    await expectCode(
      readWeights(g(one), async () => new Uint8Array(17)),
      KERAS_ERROR_CODES.shardSize,
    );
    await expectCode(
      readWeights(g(one), async () => {
        throw new Error('ENOENT');
      }),
      KERAS_ERROR_CODES.missingShard,
    );
    await expectCode(
      readWeights(g([{ name: 'a', shape: [1], dtype: 'string' }]), async () => new Uint8Array(4)),
      KERAS_ERROR_CODES.badManifest,
    );
    await expectCode(
      readWeights(
        g([{ name: 'a', shape: [1], dtype: 'float32', quantization: { dtype: 'int4' } }]),
        async () => new Uint8Array(1),
      ),
      KERAS_ERROR_CODES.badManifest,
    );
    await expectCode(
      readWeights(g([{ name: 'a', shape: [-1], dtype: 'float32' }]), async () => new Uint8Array(4)),
      KERAS_ERROR_CODES.badJson,
    );
    await expectCode(
      readWeights(
        g([{ name: 'a', shape: [2 ** 20, 2 ** 20], dtype: 'float32' }]),
        async () => new Uint8Array(4),
      ),
      KERAS_ERROR_CODES.badJson,
    );
    await expectCode(
      readWeights(
        g([
          { name: 'a', shape: [1], dtype: 'float32' },
          { name: 'a', shape: [1], dtype: 'float32' },
        ]),
        async () => new Uint8Array(8),
      ),
      KERAS_ERROR_CODES.badManifest,
    );
  });
});

describe('encodeWeights', () => {
  it('round-trips float32 exactly and keeps zeros exact under uint8 quantization', async () => {
    const t = { dtype: 'float32' as const, shape: [5], data: new Float32Array([-1, 0, 0.3, 2, 0]) };
    const plain = encodeWeights([{ name: 'w', tensor: t }]);
    const back = await readWeights(
      manifest([{ paths: ['s'], weights: plain.specs }]),
      async () => plain.data,
    );
    expect(back.get('w')!.data).toEqual(t.data);

    for (const q of ['uint8', 'uint16', 'float16'] as const) {
      const enc = encodeWeights([{ name: 'w', tensor: t }], q);
      const r = await readWeights(
        manifest([{ paths: ['s'], weights: enc.specs }]),
        async () => enc.data,
      );
      const d = r.get('w')!.data as Float32Array;
      expect(d[1]).toBe(0);
      expect(d[4]).toBe(0);
      const step = q === 'uint8' ? 3 / 255 : q === 'uint16' ? 3 / 65535 : 2e-3;
      for (let i = 0; i < 5; i++) expect(Math.abs(d[i]! - t.data[i]!)).toBeLessThanOrEqual(step);
    }
  });

  it('refuses integer weights whose scale a manifest cannot carry', () => {
    const t = { dtype: 'int8' as const, shape: [2], data: new Int8Array([1, -1]) };
    expect(() => encodeWeights([{ name: 'q', tensor: t }])).toThrow(/int8/);
  });

  it('splits shards at the requested size', () => {
    const parts = splitShards(new Uint8Array(10), 4);
    expect(parts.map((p) => p.length)).toEqual([4, 4, 2]);
    expect(splitShards(new Uint8Array(0), 4).map((p) => p.length)).toEqual([0]);
    expect(() => splitShards(new Uint8Array(1), 0)).toThrow(CollaboptError);
  });
});

describe('readWeights cancellation and progress', () => {
  it('reports each shard and stops with a CancelledError when aborted', async () => {
    const updates: number[] = [];
    const progress = {
      start: () => ({ update: (d: number) => updates.push(d), finish: () => undefined }),
    };
    const m = manifest([
      { paths: ['a', 'b'], weights: [{ name: 'w', shape: [2], dtype: 'float32' }] },
    ]);
    await readWeights(m, async () => new Uint8Array(4), { progress });
    expect(updates).toEqual([1, 2]);
    const controller = new AbortController();
    controller.abort();
    await expectCode(
      readWeights(m, async () => new Uint8Array(4), { signal: controller.signal }),
      'CANCELLED',
    );
  });
});
