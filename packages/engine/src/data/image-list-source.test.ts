import { IDENTITY_PREPROCESSING, type Preprocessing } from './preprocessing';
import { imageListSource, imageSampleShape, type ImageDecoder } from './image-list-source';

/** Each "file" is its own pixels: the decoder hands them back and records the order asked. */
function fakeDecoder(asked: string[]): ImageDecoder<{ name: string; px: number[] }> {
  return async (file) => {
    asked.push(file.name);
    return Uint8Array.from(file.px);
  };
}

describe('a list of images as a data source', () => {
  const red = { name: 'red', px: [200, 0, 100] }; // one 1×1 RGB pixel
  const blue = { name: 'blue', px: [0, 50, 250] };

  it('turns pixels into model values with the preprocessing, in BGR order when asked', async () => {
    const asked: string[] = [];
    const p: Preprocessing = { ...IDENTITY_PREPROCESSING, scale: 0.5, offset: -1 };
    const s = imageListSource(
      { folder: 'f', files: [red, blue], classes: Int32Array.of(1, 0), classNames: ['a', 'b'] },
      [1, 1, 3],
      p,
      'colours',
      fakeDecoder(asked),
      2,
    );
    expect([s.count, s.sampleShape, s.labels]).toEqual([
      2,
      [1, 1, 3],
      { kind: 'class', numClasses: 2, classNames: ['a', 'b'] },
    ]);
    const batch = await s.read([1, 0]);
    // x · 0.5 − 1: blue [0, 50, 250] → [−1, 24, 124]; red [200, 0, 100] → [99, −1, 49]
    expect(Array.from(batch.x)).toEqual([-1, 24, 124, 99, -1, 49]);
    expect(Array.from(batch.classes!)).toEqual([0, 1]);
    expect(asked).toEqual(['blue', 'red']);
    const bgr = imageListSource(
      { folder: 'f', files: [red] },
      [1, 1, 3],
      {
        ...p,
        channelOrder: 'bgr',
      },
      'colours',
      fakeDecoder([]),
    );
    expect(bgr.labels).toBeUndefined();
    expect(Array.from((await bgr.read([0])).x)).toEqual([49, -1, 99]);
  });

  it('refuses an input images cannot feed and a sample outside the list, naming the folder', async () => {
    expect(() => imageSampleShape([28, 28, 2], 'digits')).toThrow(
      expect.objectContaining({ code: 'DATA_SHAPE', location: { file: 'digits' } }),
    );
    expect(imageSampleShape([28, 28, 1], 'digits')).toEqual([28, 28, 1]);
    const s = imageListSource(
      { folder: 'f', files: [red] },
      [1, 1, 3],
      IDENTITY_PREPROCESSING,
      'x',
      fakeDecoder([]),
    );
    await expect(s.read([1])).rejects.toMatchObject({ code: 'DATA_SHAPE' });
  });
});
