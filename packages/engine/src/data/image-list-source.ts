/**
 * A list of images as a data source (browser-neutral): the images are decoded by the caller's
 * decoder (sharp on disk, the browser's own in the web app) and turned into model values with the
 * preprocessing; labels come from the list's classes.
 */
import { DataError } from './data-error';
import type { DataSource, SampleBatch } from './data-source';
import { checkPreprocessing, preprocessingCoefficients, type Preprocessing } from './preprocessing';

/** Images in reading order (`F`: a path, or a file the browser gave), with their classes. */
export interface ImageList<F> {
  /** The folder they come from (named in errors). */
  readonly folder: string;
  readonly files: readonly F[];
  /** Class id per file, when the images are labelled. */
  readonly classes?: Int32Array;
  /** Class names (sorted subfolder names), when labelled. */
  readonly classNames?: readonly string[];
}

/**
 * Decodes one image to `height × width × channels` raw bytes, resized as `p.resize` says; a
 * DataError naming the file when it cannot.
 */
export type ImageDecoder<F> = (
  file: F,
  height: number,
  width: number,
  channels: 1 | 3,
  p: Preprocessing,
) => Promise<Uint8Array>;

/** `[height, width, channels]` of a model input images can feed; a DataError otherwise. */
export function imageSampleShape(
  sampleShape: readonly number[],
  folder: string,
): [number, number, 1 | 3] {
  const [height, width, channels] = sampleShape as [number, number, number];
  if (sampleShape.length !== 3 || !(height > 0 && width > 0) || (channels !== 1 && channels !== 3))
    throw new DataError(
      'DATA_SHAPE',
      `images need a model input of [height, width, 1 or 3], got [${sampleShape.join(', ')}]`,
      { file: folder },
    );
  return [height, width, channels];
}

/**
 * A data source over `list` for a model input of `sampleShape`, decoding up to `concurrency`
 * images at once.
 */
export function imageListSource<F>(
  list: ImageList<F>,
  sampleShape: readonly number[],
  preprocessing: Preprocessing,
  name: string,
  decode: ImageDecoder<F>,
  concurrency = 1,
): DataSource {
  const [height, width, channels] = imageSampleShape(sampleShape, list.folder);
  checkPreprocessing(preprocessing, channels);
  const per = height * width * channels;
  const count = list.files.length;
  const { a, b } = preprocessingCoefficients(preprocessing, channels);
  const [a0, a1, a2] = [a[0]!, a[1] ?? 0, a[2] ?? 0];
  const [b0, b1, b2] = [b[0]!, b[1] ?? 0, b[2] ?? 0];
  const bgr = preprocessing.channelOrder === 'bgr';
  return {
    name,
    count,
    sampleShape: [height, width, channels],
    preprocessing,
    origin: list.folder,
    ...(list.classes !== undefined
      ? {
          labels: {
            kind: 'class' as const,
            numClasses: list.classNames!.length,
            classNames: list.classNames!,
          },
        }
      : {}),
    async read(indices): Promise<SampleBatch> {
      const n = indices.length;
      const x = new Float32Array(n * per);
      // Raw pixels → model values in one pass (channel order and preprocessing together).
      const store = (i: number, px: Uint8Array): void => {
        const o = i * per;
        if (channels === 1) {
          const a = a0;
          const b = b0;
          for (let q = 0; q < per; q++) x[o + q] = px[q]! * a + b;
          return;
        }
        for (let q = 0; q < per; q += 3) {
          const r = px[q + (bgr ? 2 : 0)]!;
          const g = px[q + 1]!;
          const bl = px[q + (bgr ? 0 : 2)]!;
          x[o + q] = r * a0 + b0;
          x[o + q + 1] = g * a1 + b1;
          x[o + q + 2] = bl * a2 + b2;
        }
      };
      // A pool of decoders pulling the next image (the decoder may work on other threads).
      let next = 0;
      const worker = async (): Promise<void> => {
        while (next < n) {
          const i = next++;
          const j = indices[i]!;
          if (!(j >= 0 && j < count))
            throw new DataError('DATA_SHAPE', `sample ${j} is outside 0..${count - 1}`, {
              file: list.folder,
            });
          store(i, await decode(list.files[j]!, height, width, channels, preprocessing));
        }
      };
      await Promise.all(Array.from({ length: Math.min(concurrency, n) }, worker));
      return list.classes !== undefined
        ? {
            x,
            size: n,
            classes: Int32Array.from(indices as ArrayLike<number>, (j) => list.classes![j]!),
          }
        : { x, size: n };
    },
  };
}
