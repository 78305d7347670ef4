/**
 * Image folders as data sources (Node only). `sharp` decodes and resizes PNG/JPEG/WebP; it is
 * loaded on first use, so the engine still loads where it is absent (browsers).
 */
import type { Dirent } from 'node:fs';
import { readdir, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { DataError } from './data-error';
import type { DataSource } from './data-source';
import { classFolderNames, imageFolderLayout, type FolderEntry } from './image-folder-layout';
import { imageListSource, type ImageList } from './image-list-source';
import type { Preprocessing } from './preprocessing';

/** The images of a folder on disk: one subfolder per class (labelled) or the images themselves. */
export type ImageFolderListing = ImageList<string>;

async function listDir(folder: string): Promise<Dirent[]> {
  try {
    return await readdir(folder, { withFileTypes: true });
  } catch (e) {
    throw new DataError(
      'DATA_NOT_FOUND',
      `cannot list the image folder: ${e instanceof Error ? e.message : String(e)}`,
      { file: folder },
    );
  }
}

/**
 * List an image folder on disk by the image-folder rule (`imageFolderLayout`): with subfolders,
 * each (sorted by name) is a class and its images are labelled with the class id; otherwise the
 * folder's images are unlabelled. Files are sorted by name.
 */
export async function listImageFolder(folder: string): Promise<ImageFolderListing> {
  const entries = await entriesOf(folder);
  const inside = new Map<string, FolderEntry[]>();
  for (const c of classFolderNames(entries)) inside.set(c, await entriesOf(join(folder, c)));
  const layout = imageFolderLayout(
    folder,
    entries,
    (c) => inside.get(c)!,
    (c) => join(folder, c),
  );
  const files = layout.images.map((i) =>
    layout.classNames ? join(folder, layout.classNames[i.classId!]!, i.name) : join(folder, i.name),
  );
  if (!layout.classNames) return { folder, files };
  return {
    folder,
    files,
    classes: Int32Array.from(layout.images, (i) => i.classId!),
    classNames: layout.classNames,
  };
}

/**
 * A folder's entries as regular files, folders or other; a symlink counts as what it points to
 * (data sets are often assembled from links), so FIFOs and devices are never opened.
 */
async function entriesOf(folder: string): Promise<FolderEntry[]> {
  const kindOf = (d: { isFile(): boolean; isDirectory(): boolean }): FolderEntry['kind'] =>
    d.isFile() ? 'file' : d.isDirectory() ? 'folder' : 'other';
  return Promise.all(
    (await listDir(folder)).map(async (e): Promise<FolderEntry> => {
      if (!e.isSymbolicLink()) return { name: e.name, kind: kindOf(e) };
      const target = await stat(join(folder, e.name)).catch(() => undefined);
      return { name: e.name, kind: target === undefined ? 'other' : kindOf(target) };
    }),
  );
}

type Sharp = typeof import('sharp');
let sharpModule: Promise<Sharp> | undefined;

/** `sharp`, loaded once on first use. */
export function loadSharp(): Promise<Sharp> {
  sharpModule ??= import('sharp').then(
    (m) => ((m as unknown as { default?: Sharp }).default ?? m) as Sharp,
    (e: unknown) => {
      sharpModule = undefined;
      throw new DataError(
        'DATA_UNSUPPORTED',
        `reading images needs the "sharp" package (a dependency of @collabopt/engine), which did not load: ${e instanceof Error ? e.message : String(e)}`,
      );
    },
  );
  return sharpModule;
}

const FIT = { stretch: 'fill', crop: 'cover', pad: 'contain' } as const;

/**
 * Decode one image to `height × width × channels` raw bytes (channels 1 = grayscale, 3 = RGB),
 * resized as `p.resize` says. A file sharp cannot read, or of the wrong size under `none`, is a
 * DataError naming the file.
 */
export async function decodeImage(
  file: string,
  height: number,
  width: number,
  channels: number,
  p: Preprocessing,
): Promise<Uint8Array> {
  const sharp = await loadSharp();
  let raw: { data: Buffer; info: { width: number; height: number; channels: number } };
  try {
    let img = sharp(file, { failOn: 'error' }).removeAlpha();
    img = channels === 1 ? img.grayscale() : img.toColourspace('srgb');
    const mode = p.resize ?? 'stretch';
    if (mode !== 'none')
      img = img.resize(width, height, {
        fit: FIT[mode],
        // Bilinear, as Keras and tf.image resize by default (and cheaper than sharp's lanczos3).
        kernel: 'linear',
        position: 'centre',
        background: { r: 0, g: 0, b: 0 },
      });
    raw = await img.raw().toBuffer({ resolveWithObject: true });
  } catch (e) {
    throw new DataError(
      'DATA_UNREADABLE',
      `cannot decode the image: ${e instanceof Error ? e.message : String(e)}`,
      { file },
    );
  }
  const { info, data } = raw;
  if (info.width !== width || info.height !== height)
    throw new DataError(
      'DATA_SHAPE',
      `image is ${info.width}×${info.height}, the model needs ${width}×${height} (resize mode "none"; choose stretch, crop or pad)`,
      { file },
    );
  if (info.channels === channels) return data;
  const out = new Uint8Array(width * height * channels);
  for (let i = 0; i < width * height; i++)
    for (let c = 0; c < channels; c++)
      out[i * channels + c] = data[i * info.channels + (info.channels === 1 ? 0 : c)]!;
  return out;
}

/** How many images are decoded at once (sharp runs them on its own threads). */
const DECODE_CONCURRENCY = 8;

/** A data source over an image folder listing, for a model input of `[height, width, channels]`. */
export function imageFolderSource(
  listing: ImageFolderListing,
  sampleShape: readonly number[],
  preprocessing: Preprocessing,
  name: string,
): DataSource {
  return imageListSource(
    listing,
    sampleShape,
    preprocessing,
    name,
    decodeImage,
    DECODE_CONCURRENCY,
  );
}
