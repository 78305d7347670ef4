import { existsSync } from 'node:fs';
import { gzipSync } from 'node:zlib';
import { FormatError } from '@collabopt/core';
import { FASHION_MNIST_DIR, loadFashionMnist, loadMnistDigits } from './builtin-datasets';
import {
  batches,
  createDataset,
  representativeSubset,
  normalizeDataset,
  shuffleDataset,
  subset,
} from './dataset';
import { parseIdx } from './idx';

function idxBytes(type: number, dims: number[], payload: number[]): Uint8Array {
  const head = new Uint8Array(4 + 4 * dims.length);
  const view = new DataView(head.buffer);
  head[2] = type;
  head[3] = dims.length;
  dims.forEach((d, i) => view.setUint32(4 + 4 * i, d, false));
  return new Uint8Array([...head, ...payload]);
}

describe('idx reader', () => {
  test('reads plain and gzipped uint8 idx', () => {
    const bytes = idxBytes(0x08, [2, 3], [1, 2, 3, 4, 5, 255]);
    for (const b of [bytes, new Uint8Array(gzipSync(bytes))]) {
      const r = parseIdx(b);
      expect(r.shape).toEqual([2, 3]);
      expect(Array.from(r.data)).toEqual([1, 2, 3, 4, 5, 255]);
    }
  });

  test('reads big-endian int32', () => {
    const r = parseIdx(idxBytes(0x0c, [2], [0, 0, 1, 2, 0xff, 0xff, 0xff, 0xfe]));
    expect(Array.from(r.data)).toEqual([258, -2]);
  });

  test('rejects bad magic and truncated data with a FormatError', () => {
    expect(() => parseIdx(new Uint8Array([1, 2, 3, 4]), 'x.idx')).toThrow(FormatError);
    expect(() => parseIdx(idxBytes(0x08, [4], [1, 2]))).toThrow(/needs 4/);
  });
});

describe('data sets', () => {
  const ds = createDataset(new Float32Array([0, 1, 2, 3, 4, 5, 6, 7]), [0, 1, 0, 1], [2], 'toy');

  test('createDataset checks sizes', () => {
    expect(() => createDataset(new Float32Array(3), [0, 1], [2])).toThrow(/need 4/);
  });

  test('batches: natural order views and gathered shuffled batches', () => {
    const nat = [...batches(ds, 3)];
    expect(nat.map((b) => b.size)).toEqual([3, 1]);
    expect(Array.from(nat[1]!.x)).toEqual([6, 7]);
    const shuffled = [...batches(ds, 2, [3, 0, 2, 1])];
    expect(Array.from(shuffled[0]!.x)).toEqual([6, 7, 0, 1]);
    expect(Array.from(shuffled[0]!.y)).toEqual([1, 0]);
  });

  test('seeded shuffling is deterministic and a permutation', () => {
    const a = shuffleDataset(ds, 5);
    const b = shuffleDataset(ds, 5);
    expect(Array.from(a.x)).toEqual(Array.from(b.x));
    expect(Array.from(a.y).sort()).toEqual([0, 0, 1, 1]);
  });

  test('representative subset is stratified and deterministic', () => {
    const y = Array.from({ length: 100 }, (_, i) => (i < 80 ? 0 : 1));
    const big = createDataset(
      new Float32Array(100).map((_, i) => i),
      y,
      [1],
    );
    const s = representativeSubset(big, 10, 3);
    expect(s.count).toBe(10);
    expect(Array.from(s.y).filter((c) => c === 1).length).toBe(2);
    expect(Array.from(representativeSubset(big, 10, 3).x)).toEqual(Array.from(s.x));
    expect(new Set(Array.from(s.x)).size).toBe(10);
  });

  test('normalisation and subset', () => {
    const n = normalizeDataset(ds, 1, 2);
    expect(n.x[3]).toBeCloseTo(1);
    expect(Array.from(subset(ds, [2]).x)).toEqual([4, 5]);
  });
});

describe('built-in data sets', () => {
  test('MNIST digits from the mnist package: fixed 8,004 / 1,996 split (every fifth of each class is test)', () => {
    const { train, test: t } = loadMnistDigits();
    expect(train.count).toBe(8004);
    expect(t.count).toBe(1996);
    expect(train.sampleShape).toEqual([28, 28, 1]);
    const counts = new Array(10).fill(0);
    for (const c of t.y) counts[c]++;
    expect(counts[1]).toBe(225); // 1127 ones, every fifth
    expect(train.x.reduce((a, b) => Math.max(a, b), 0)).toBeLessThanOrEqual(1);
    expect(loadMnistDigits().train).toBe(train);
  });

  (existsSync(FASHION_MNIST_DIR) ? test : test.skip)(
    'Fashion-MNIST from the Debian package',
    () => {
      const { train, test: t } = loadFashionMnist();
      expect(train.count).toBe(60000);
      expect(t.count).toBe(10000);
      const counts = new Array(10).fill(0);
      for (const c of t.y) counts[c]++;
      expect(counts).toEqual(new Array(10).fill(1000));
    },
  );

  test('a missing Fashion-MNIST directory is a typed error that says how to install it', () => {
    expect(() => loadFashionMnist('/nonexistent')).toThrow(/dataset-fashion-mnist/);
  });
});
