/**
 * An image folder given to the worker as files becomes a DataSource, decoded in the browser
 * (createImageBitmap + OffscreenCanvas) with the same preprocessing options as the CLI's
 * `--preprocess` (scale/offset, mean/std, order, resize; defaults x/255, RGB order, stretch) and
 * the labels of its class subfolders, or none (`labels: 'none'`: fine-tuning then distils from
 * the float model and leaves are measured by agreement).
 */
import {
  DEFAULT_IMAGE_SCALE,
  DataError,
  checkPreprocessing,
  imageListSource,
  imageSampleShape,
  parsePreprocessing,
  type DataSource,
  type Preprocessing,
} from '@collabopt/engine';
import { drawRects, pixelsFromRgba } from './image-pixels';
import { listBrowserImageFolder } from './image-folder-listing';
import type { InputFile } from './protocol';

/** The CLI's `--preprocess` text resolved for images of `channels` channels. */
export function imagePreprocessing(text: string | undefined, channels: number): Preprocessing {
  const given = text && text.trim() !== '' ? parsePreprocessing(text) : {};
  const p: Preprocessing = {
    scale: given.scale ?? DEFAULT_IMAGE_SCALE,
    offset: given.offset ?? 0,
    mean: given.mean ?? [],
    std: given.std ?? [],
    source: Object.keys(given).length > 0 ? 'user' : 'default',
    channelOrder: given.channelOrder ?? 'rgb',
    resize: given.resize ?? 'stretch',
    channels,
  };
  checkPreprocessing(p, channels);
  return p;
}

async function decode(
  file: InputFile,
  height: number,
  width: number,
  channels: 1 | 3,
  p: Preprocessing,
): Promise<Uint8Array> {
  let bitmap: ImageBitmap;
  try {
    bitmap = await createImageBitmap(new Blob([file.bytes]), {
      colorSpaceConversion: 'none',
      premultiplyAlpha: 'none',
    });
  } catch (e) {
    throw new DataError(
      'DATA_UNREADABLE',
      `cannot decode the image: ${e instanceof Error ? e.message : String(e)}`,
      { file: file.name },
    );
  }
  const mode = p.resize ?? 'stretch';
  if (mode === 'none' && (bitmap.width !== width || bitmap.height !== height))
    throw new DataError(
      'DATA_SHAPE',
      `image is ${bitmap.width}×${bitmap.height}, the model needs ${width}×${height} (resize mode "none"; choose stretch, crop or pad)`,
      { file: file.name },
    );
  const canvas = new OffscreenCanvas(width, height);
  const ctx = canvas.getContext('2d', { willReadFrequently: true })!;
  ctx.fillStyle = '#000';
  ctx.fillRect(0, 0, width, height);
  ctx.imageSmoothingEnabled = true;
  ctx.imageSmoothingQuality = 'medium';
  const r = drawRects(mode, bitmap.width, bitmap.height, width, height);
  ctx.drawImage(bitmap, r.sx, r.sy, r.sw, r.sh, r.dx, r.dy, r.dw, r.dh);
  bitmap.close();
  return pixelsFromRgba(ctx.getImageData(0, 0, width, height).data, channels);
}

/**
 * The folder's images as a data source for a model input of `[height, width, channels]`:
 * labelled by class subfolder unless `labels` is `none`.
 */
export function browserImageFolderSource(
  files: readonly InputFile[],
  sampleShape: readonly number[],
  options: { readonly preprocess?: string; readonly labels: 'auto' | 'none' },
): DataSource {
  const listing = listBrowserImageFolder(files.map((f) => f.name));
  const [, , channels] = imageSampleShape(sampleShape, listing.folder);
  const labelled = options.labels !== 'none' && listing.classes !== undefined;
  return imageListSource(
    {
      folder: listing.folder,
      files: listing.order.map((i) => files[i]!),
      ...(labelled ? { classes: listing.classes!, classNames: listing.classNames! } : {}),
    },
    sampleShape,
    imagePreprocessing(options.preprocess, channels),
    listing.folder,
    decode,
  );
}
