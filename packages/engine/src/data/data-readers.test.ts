import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { crc32, deflateRawSync, gzipSync } from 'node:zlib';
import sharp from 'sharp';
import { GraphBuilder } from '@collabopt/core';
import { FASHION_MNIST_DIR, loadFashionMnist } from './builtin-datasets';
import { DataError } from './data-error';
import { readBatches, splitDataSource, type DataSource } from './data-source';
import { detectModelNormalization } from './model-normalization';
import { openDataSet } from './open-data-set';
import { removeTemporaryDataFiles } from './stored-array';

// Image codecs and the built-in sets take seconds on a loaded machine.
jest.setTimeout(30_000);

let dir: string;
beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'collabopt-data-test-'));
});
afterAll(() => {
  rmSync(dir, { recursive: true, force: true });
  removeTemporaryDataFiles();
});

/** A .npy file: header dictionary padded to a multiple of 64 bytes, then the raw data. */
function npy(descr: string, shape: number[], data: Uint8Array): Buffer {
  const shapeText = shape.length === 1 ? `(${shape[0]},)` : `(${shape.join(', ')})`;
  let header = `{'descr': '${descr}', 'fortran_order': False, 'shape': ${shapeText}, }`;
  const pad = 64 - ((10 + header.length + 1) % 64);
  header += ' '.repeat(pad % 64) + '\n';
  const head = Buffer.alloc(10);
  Buffer.from([0x93, 0x4e, 0x55, 0x4d, 0x50, 0x59, 1, 0]).copy(head);
  head.writeUInt16LE(header.length, 8);
  return Buffer.concat([head, Buffer.from(header, 'latin1'), Buffer.from(data)]);
}

const f32 = (v: number[]): Uint8Array => new Uint8Array(Float32Array.from(v).buffer);
const i64 = (v: number[]): Uint8Array => new Uint8Array(BigInt64Array.from(v.map(BigInt)).buffer);

/** A zip archive (what numpy's savez writes): stored or deflated members, central directory. */
function zip(members: { name: string; data: Buffer; deflate: boolean }[]): Buffer {
  const locals: Buffer[] = [];
  const centrals: Buffer[] = [];
  let offset = 0;
  for (const m of members) {
    const body = m.deflate ? deflateRawSync(m.data) : m.data;
    const name = Buffer.from(m.name);
    const local = Buffer.alloc(30);
    local.writeUInt32LE(0x04034b50, 0);
    local.writeUInt16LE(20, 4);
    local.writeUInt16LE(m.deflate ? 8 : 0, 8);
    local.writeUInt32LE(crc32(m.data), 14);
    local.writeUInt32LE(body.length, 18);
    local.writeUInt32LE(m.data.length, 22);
    local.writeUInt16LE(name.length, 26);
    const central = Buffer.alloc(46);
    central.writeUInt32LE(0x02014b50, 0);
    central.writeUInt16LE(20, 4);
    central.writeUInt16LE(20, 6);
    central.writeUInt16LE(m.deflate ? 8 : 0, 10);
    central.writeUInt32LE(crc32(m.data), 16);
    central.writeUInt32LE(body.length, 20);
    central.writeUInt32LE(m.data.length, 24);
    central.writeUInt16LE(name.length, 28);
    central.writeUInt32LE(offset, 42);
    locals.push(local, name, body);
    centrals.push(central, name);
    offset += 30 + name.length + body.length;
  }
  const cd = Buffer.concat(centrals);
  const end = Buffer.alloc(22);
  end.writeUInt32LE(0x06054b50, 0);
  end.writeUInt16LE(members.length, 8);
  end.writeUInt16LE(members.length, 10);
  end.writeUInt32LE(cd.length, 12);
  end.writeUInt32LE(offset, 16);
  return Buffer.concat([...locals, cd, end]);
}

function idx(type: number, dims: number[], payload: Uint8Array): Buffer {
  const head = Buffer.alloc(4 + 4 * dims.length);
  head[2] = type;
  head[3] = dims.length;
  dims.forEach((d, i) => head.writeUInt32BE(d, 4 + 4 * i));
  return Buffer.concat([head, Buffer.from(payload)]);
}

async function solid(
  file: string,
  width: number,
  height: number,
  rgb: [number, number, number],
  format: 'png' | 'jpeg' | 'webp',
): Promise<void> {
  const img = sharp({
    create: { width, height, channels: 3, background: { r: rgb[0], g: rgb[1], b: rgb[2] } },
  });
  const encoded =
    format === 'png'
      ? img.png()
      : format === 'jpeg'
        ? img.jpeg({ quality: 100 })
        : img.webp({ lossless: true });
  await encoded.toFile(file);
}

async function all(source: DataSource): Promise<{ x: number[]; classes: number[] }> {
  const x: number[] = [];
  const classes: number[] = [];
  for await (const b of readBatches(source, 2)) {
    x.push(...b.x);
    if (b.classes) classes.push(...b.classes);
  }
  return { x, classes };
}

async function dataError(p: Promise<unknown>): Promise<DataError> {
  try {
    await p;
  } catch (e) {
    expect(e).toBeInstanceOf(DataError);
    return e as DataError;
  }
  throw new Error('expected a DataError');
}

describe('image folders', () => {
  let classes: string;
  beforeAll(async () => {
    classes = join(dir, 'classes');
    mkdirSync(join(classes, 'b_white'), { recursive: true });
    mkdirSync(join(classes, 'a_red'), { recursive: true });
    await solid(join(classes, 'a_red', '1.png'), 4, 4, [255, 0, 0], 'png');
    await solid(join(classes, 'a_red', '2.webp'), 6, 6, [255, 0, 0], 'webp');
    await solid(join(classes, 'b_white', '1.jpg'), 4, 4, [255, 255, 255], 'jpeg');
    writeFileSync(join(classes, 'b_white', 'notes.txt'), 'not an image');
  });

  test('class subfolders, sorted, label the images; RGB scaled to [0, 1] by default', async () => {
    const s = await openDataSet(classes, { inputShape: [-1, 4, 4, 3] });
    expect(s.count).toBe(3);
    expect(s.labels).toEqual({ kind: 'class', numClasses: 2, classNames: ['a_red', 'b_white'] });
    expect(s.preprocessing).toMatchObject({
      scale: 1 / 255,
      resize: 'stretch',
      channels: 3,
      source: 'default',
    });
    const { x, classes: ids } = await all(s);
    expect(ids).toEqual([0, 0, 1]);
    // red PNG: every pixel [1, 0, 0]; red WebP resized 6→4; white JPEG ~1
    expect(x.slice(0, 3)).toEqual([1, 0, 0]);
    expect(x.slice(48, 51).map((v) => +v.toFixed(3))).toEqual([1, 0, 0]);
    expect(Math.min(...x.slice(96))).toBeGreaterThan(0.98);
  });

  test('grayscale for a 1-channel input, BGR order and mean/std when asked', async () => {
    const gray = await openDataSet(classes, { inputShape: [4, 4, 1] });
    const g = await all(gray);
    expect(g.x).toHaveLength(3 * 16);
    expect(Math.min(...g.x.slice(32))).toBeGreaterThan(0.98); // white
    const bgr = await openDataSet(classes, {
      inputShape: [4, 4, 3],
      preprocess: { channelOrder: 'bgr', mean: [0.5], std: [0.5] },
    });
    const b = await all(bgr);
    expect(b.x.slice(0, 3)).toEqual([-1, -1, 1]); // red as BGR, (v/255 − 0.5)/0.5
    expect(bgr.preprocessing?.source).toBe('user');
  });

  test('resize modes: stretch and crop fill, pad letterboxes with black, none refuses', async () => {
    const wide = join(dir, 'wide');
    mkdirSync(wide);
    await solid(join(wide, 'w.png'), 8, 4, [255, 255, 255], 'png');
    const rows = async (mode: 'stretch' | 'crop' | 'pad'): Promise<number[]> => {
      const s = await openDataSet(wide, { inputShape: [4, 4, 1], preprocess: { resize: mode } });
      const { x } = await all(s);
      return [0, 1, 2, 3].map((r) => +x[r * 4 + 1]!.toFixed(2));
    };
    expect(await rows('stretch')).toEqual([1, 1, 1, 1]);
    expect(await rows('crop')).toEqual([1, 1, 1, 1]);
    expect(await rows('pad')).toEqual([0, 1, 1, 0]);
    const none = await openDataSet(wide, { inputShape: [4, 4, 1], preprocess: { resize: 'none' } });
    const e = await dataError(all(none));
    expect(e.code).toBe('DATA_SHAPE');
    expect(e.message).toContain(join(wide, 'w.png'));
  });

  test('a flat folder is unlabelled; labels=none drops folder labels', async () => {
    const s = await openDataSet(join(classes, 'a_red'), { inputShape: [4, 4, 3] });
    expect(s.labels).toBeUndefined();
    expect(s.count).toBe(2);
    const n = await openDataSet(classes, { inputShape: [4, 4, 3], labels: 'none' });
    expect(n.labels).toBeUndefined();
  });

  test('symlinked images count, a FIFO named like an image is never opened', async () => {
    const linked = join(dir, 'linked');
    mkdirSync(linked);
    symlinkSync(join(classes, 'a_red', '1.png'), join(linked, 'link.png'));
    execFileSync('mkfifo', [join(linked, 'pipe.png')]);
    const s = await openDataSet(linked, { inputShape: [4, 4, 3] });
    expect(s.count).toBe(1);
    expect(Array.from((await s.read([0])).x.subarray(0, 3))).toEqual([1, 0, 0]);
  });

  test('bad data: unreadable image, empty folder, empty class folder, wrong input rank', async () => {
    const bad = join(dir, 'bad');
    mkdirSync(bad);
    writeFileSync(join(bad, 'broken.png'), Buffer.from('this is not a png'));
    const e = await dataError(all(await openDataSet(bad, { inputShape: [4, 4, 1] })));
    expect(e.code).toBe('DATA_UNREADABLE');
    expect(e.message).toContain('broken.png');
    const empty = join(dir, 'empty');
    mkdirSync(empty);
    expect((await dataError(openDataSet(empty, { inputShape: [4, 4, 1] }))).code).toBe(
      'DATA_EMPTY',
    );
    const hollow = join(dir, 'hollow');
    mkdirSync(join(hollow, 'cat'), { recursive: true });
    const h = await dataError(openDataSet(hollow, { inputShape: [4, 4, 1] }));
    expect(h.code).toBe('DATA_EMPTY');
    expect(h.message).toContain(join(hollow, 'cat'));
    expect((await dataError(openDataSet(classes, { inputShape: [16] }))).code).toBe('DATA_SHAPE');
  });
});

describe('array files', () => {
  test('.npy float32 inputs, trailing channel axis added, unlabelled', async () => {
    const file = join(dir, 'x.npy');
    writeFileSync(file, npy('<f4', [3, 2, 2], f32([0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11])));
    const s = await openDataSet(file, { inputShape: [-1, 2, 2, 1] });
    expect(s.sampleShape).toEqual([2, 2, 1]);
    expect(s.labels).toBeUndefined();
    expect(s.preprocessing?.scale).toBe(1);
    const b = await s.read([2, 0]);
    expect(Array.from(b.x)).toEqual([8, 9, 10, 11, 0, 1, 2, 3]);
  });

  test('.npy uint8 is scaled by 1/255; a wrong sample shape names the file', async () => {
    const file = join(dir, 'u8.npy');
    writeFileSync(file, npy('|u1', [2, 2], new Uint8Array([0, 255, 51, 102])));
    const s = await openDataSet(file, { inputShape: [2] });
    expect(Array.from((await s.read([0, 1])).x).map((v) => +v.toFixed(3))).toEqual([
      0, 1, 0.2, 0.4,
    ]);
    const e = await dataError(openDataSet(file, { inputShape: [3] }));
    expect(e.code).toBe('DATA_SHAPE');
    expect(e.message).toContain(file);
  });

  test('.npz with stored and deflated members, x and int64 y', async () => {
    const x = npy('<f4', [4, 2], f32([0, 1, 2, 3, 4, 5, 6, 7]));
    const y = npy('<i8', [4], i64([0, 2, 1, 2]));
    for (const deflate of [false, true]) {
      const file = join(dir, `xy-${deflate}.npz`);
      writeFileSync(
        file,
        zip([
          { name: 'x.npy', data: x, deflate },
          { name: 'y.npy', data: y, deflate },
        ]),
      );
      const s = await openDataSet(file, { inputShape: [-1, 2] });
      expect(s.labels).toEqual({ kind: 'class', numClasses: 3 });
      const b = await s.read([3, 1]);
      expect(Array.from(b.x)).toEqual([6, 7, 2, 3]);
      expect(Array.from(b.classes!)).toEqual([2, 2]);
    }
  });

  test('.npz float y of rank 2 is dense targets; missing x and label count mismatch are errors', async () => {
    const x = npy('<f4', [2, 1], f32([1, 2]));
    const file = join(dir, 'dense.npz');
    writeFileSync(
      file,
      zip([
        { name: 'x.npy', data: x, deflate: false },
        { name: 'y.npy', data: npy('<f4', [2, 3], f32([1, 0, 1, 0, 1, 0])), deflate: true },
      ]),
    );
    const s = await openDataSet(file, { inputShape: [1] });
    expect(s.labels).toEqual({ kind: 'dense', shape: [3] });
    expect(Array.from((await s.read([1])).targets!)).toEqual([0, 1, 0]);
    const noX = join(dir, 'nox.npz');
    writeFileSync(noX, zip([{ name: 'a.npy', data: x, deflate: false }]));
    expect((await dataError(openDataSet(noX, { inputShape: [1] }))).message).toContain('a.npy');
    const short = join(dir, 'short.npz');
    writeFileSync(
      short,
      zip([
        { name: 'x.npy', data: x, deflate: false },
        { name: 'y.npy', data: npy('<i8', [3], i64([0, 1, 1])), deflate: false },
      ]),
    );
    expect((await dataError(openDataSet(short, { inputShape: [1] }))).message).toMatch(
      /3 labels for 2 samples/,
    );
  });

  test('idx pairs, plain and gzip, labels found next to the images', async () => {
    const images = idx(
      0x08,
      [3, 2, 2],
      new Uint8Array([0, 255, 0, 255, 255, 255, 0, 0, 51, 51, 51, 51]),
    );
    const labels = idx(0x08, [3], new Uint8Array([1, 0, 1]));
    for (const gz of [false, true]) {
      const sub = join(dir, `idx-${gz}`);
      mkdirSync(sub);
      const ext = gz ? '.gz' : '';
      const pack = (b: Buffer): Buffer => (gz ? gzipSync(b) : b);
      writeFileSync(join(sub, `train-images-idx3-ubyte${ext}`), pack(images));
      writeFileSync(join(sub, `train-labels-idx1-ubyte${ext}`), pack(labels));
      const s = await openDataSet(join(sub, `train-images-idx3-ubyte${ext}`), {
        inputShape: [2, 2, 1],
      });
      expect(s.count).toBe(3);
      expect(s.labels).toEqual({ kind: 'class', numClasses: 2 });
      const b = await s.read([2, 1]);
      expect(Array.from(b.x).map((v) => +v.toFixed(2))).toEqual([0.2, 0.2, 0.2, 0.2, 1, 1, 0, 0]);
      expect(Array.from(b.classes!)).toEqual([1, 0]);
    }
  });

  test('truncated, missing and unknown files are typed errors naming the file', async () => {
    const t = join(dir, 'trunc.npy');
    writeFileSync(t, npy('<f4', [4, 2], f32([1, 2, 3])));
    expect((await dataError(openDataSet(t, { inputShape: [2] }))).message).toContain(t);
    expect((await dataError(openDataSet(join(dir, 'nope.npy'), { inputShape: [2] }))).code).toBe(
      'DATA_NOT_FOUND',
    );
    const csv = join(dir, 'x.csv');
    writeFileSync(csv, '1,2');
    expect((await dataError(openDataSet(csv, { inputShape: [2] }))).code).toBe('DATA_UNSUPPORTED');
  });
});

describe('built-ins, split, model normalisation', () => {
  test('mnist opens for a 28×28×1 input and refuses another shape with a hint', async () => {
    const s = await openDataSet('mnist', { inputShape: [-1, 28, 28, 1] });
    expect(s.labels).toEqual({ kind: 'class', numClasses: 10 });
    expect(s.count).toBe(8004);
    await expect(openDataSet('mnist', { inputShape: [-1, 224, 224, 3] })).rejects.toThrow(
      /28×28×1 samples, the model input is \[224, 224, 3\]; give your own data/,
    );
  });

  test('a seeded split is disjoint, complete and reproducible', async () => {
    const file = join(dir, 'ten.npy');
    writeFileSync(file, npy('<f4', [10, 1], f32([0, 1, 2, 3, 4, 5, 6, 7, 8, 9])));
    const s = await openDataSet(file, { inputShape: [1] });
    const values = async (d: DataSource): Promise<number[]> => (await all(d)).x;
    const a = splitDataSource(s, { validationFraction: 0.3, seed: 4 });
    const b = splitDataSource(s, { validationFraction: 0.3, seed: 4 });
    const c = splitDataSource(s, { validationFraction: 0.3, seed: 5 });
    expect(a.validation.count).toBe(3);
    const va = await values(a.validation);
    expect(await values(b.validation)).toEqual(va);
    expect(await values(c.validation)).not.toEqual(va);
    expect([...(await values(a.train)), ...va].sort((p, q) => p - q)).toEqual([
      0, 1, 2, 3, 4, 5, 6, 7, 8, 9,
    ]);
  });

  test('a split whose parts are smaller than asked is a DATA_TOO_SMALL error naming the file', async () => {
    const file = join(dir, 'ten-small.npy');
    writeFileSync(file, npy('<f4', [10, 1], f32([0, 1, 2, 3, 4, 5, 6, 7, 8, 9])));
    const s = await openDataSet(file, { inputShape: [1] });
    // 0.2 of 10: 8 training samples, fewer than a batch of 9.
    const tooFewTrain = (): unknown =>
      splitDataSource(s, { validationFraction: 0.2, minimumTrain: 9 });
    expect(tooFewTrain).toThrow(DataError);
    expect(tooFewTrain).toThrow(/8 training samples \(at least 9 needed\)/);
    try {
      tooFewTrain();
    } catch (e) {
      expect((e as DataError).code).toBe('DATA_TOO_SMALL');
      expect((e as DataError).location.file).toBe(file);
    }
    // 0.2 of 10: 2 validation samples, fewer than 3.
    expect(() => splitDataSource(s, { validationFraction: 0.2, minimumValidation: 3 })).toThrow(
      /2 validation samples \(at least 3 needed\)/,
    );
    // Exactly the minimum on both sides is accepted.
    const ok = splitDataSource(s, {
      validationFraction: 0.2,
      minimumTrain: 8,
      minimumValidation: 2,
    });
    expect([ok.train.count, ok.validation.count]).toEqual([8, 2]);
    expect(() => splitDataSource(s, { validationFraction: 1 })).toThrow(/in \(0, 1\)/);
  });

  test('detects a normalisation the model applies to its input', () => {
    const b = new GraphBuilder('norm', { seed: 1 });
    const x = b.input('x', [-1, 4]);
    const n = b.layer('BatchNorm', 'normalization', x);
    const g = b.build(b.layer('Dense', 'd', n, { units: 2 }));
    expect(detectModelNormalization(g)).toEqual([
      expect.objectContaining({ node: 'normalization', op: 'BatchNorm' }),
    ]);
    const b2 = new GraphBuilder('plain', { seed: 1 });
    const g2 = b2.build(b2.layer('Dense', 'd', b2.input('x', [-1, 4]), { units: 2 }));
    expect(detectModelNormalization(g2)).toEqual([]);
  });
});

describe('one data set, three containers', () => {
  (existsSync(FASHION_MNIST_DIR) ? test : test.skip)(
    'Fashion-MNIST written as a PNG class folder and as the idx file reads as the built-in arrays',
    async () => {
      const { test: builtin } = loadFashionMnist();
      const n = 60;
      const folder = join(dir, 'fashion-png');
      for (let i = 0; i < n; i++) {
        const cls = join(folder, `class_${builtin.y[i]}`);
        mkdirSync(cls, { recursive: true });
        const px = Uint8Array.from(builtin.x.subarray(i * 784, (i + 1) * 784), (v) =>
          Math.round(v * 255),
        );
        await sharp(px, { raw: { width: 28, height: 28, channels: 1 } })
          .png()
          .toFile(join(cls, `${String(i).padStart(4, '0')}.png`));
      }
      const png = await openDataSet(folder, {
        inputShape: [-1, 28, 28, 1],
        preprocess: { resize: 'none' },
      });
      const idxFile = await openDataSet(join(FASHION_MNIST_DIR, 't10k-images-idx3-ubyte.gz'), {
        inputShape: [-1, 28, 28, 1],
      });
      expect(idxFile.count).toBe(10000);
      expect(idxFile.labels).toEqual({ kind: 'class', numClasses: 10 });
      const fromIdx = await idxFile.read(Array.from({ length: n }, (_, i) => i));
      expect(Array.from(fromIdx.x)).toEqual(Array.from(builtin.x.subarray(0, n * 784)));
      expect(Array.from(fromIdx.classes!)).toEqual(Array.from(builtin.y.subarray(0, n)));
      // the folder is ordered by class, then file name: map each image back to its sample
      const names = png.labels?.kind === 'class' ? png.labels.classNames! : [];
      const batch = await png.read(Array.from({ length: png.count }, (_, i) => i));
      const order: number[] = [];
      for (const c of names)
        for (let i = 0; i < n; i++) if (`class_${builtin.y[i]}` === c) order.push(i);
      order.forEach((i, k) => {
        expect(Array.from(batch.x.subarray(k * 784, (k + 1) * 784))).toEqual(
          Array.from(builtin.x.subarray(i * 784, (i + 1) * 784)),
        );
        expect(names[batch.classes![k]!]).toBe(`class_${builtin.y[i]}`);
      });
    },
    60_000,
  );
});
