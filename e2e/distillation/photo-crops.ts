/**
 * Real photographs for the distillation tests, cut at test time (nothing committed): `tools/setup-system`
 * unpacks Debian's desktop wallpapers and scikit-image's sample pictures into one folder
 * (`$COLLABOPT_PHOTOS`, default `/var/cache/collabopt/photos`); this module cuts many varied square
 * crops (random scale, position and horizontal flip) from them into a calibration folder and a
 * held-out folder. The two folders come from disjoint source pictures, so a held-out figure is
 * measured on pictures the fine-tuning never saw.
 */
import { existsSync, mkdirSync, readdirSync } from 'node:fs';
import * as path from 'node:path';
import sharp from 'sharp';
import { createRng } from '@collabopt/core';

const PICTURE = /\.(jpe?g|png|webp)$/i;
/** Sources are downscaled once to this longest side before cropping (wallpapers are up to 5K). */
const WORKING_SIDE = 1024;

/** The folder `tools/setup-system` fills, or an error saying how to fill it. */
export function photosDir(): string {
  const dir = process.env['COLLABOPT_PHOTOS'] ?? '/var/cache/collabopt/photos';
  if (!existsSync(path.join(dir, '.complete')))
    throw new Error(
      `no photographs in ${dir}: run \`bash tools/setup-system\` (it unpacks Debian's wallpapers and scikit-image's sample pictures there)`,
    );
  return dir;
}

export interface PhotoCropOptions {
  /** Folder of source pictures (default: {@link photosDir}). */
  sources?: string;
  calibrationDir: string;
  heldOutDir: string;
  calibration: number;
  heldOut: number;
  /** Side of the square crops written (pixels). */
  size: number;
  /**
   * Seed of the calibration crops; the held-out crops come from their own stream (seeded from
   * `seed` and the held-out pictures only), so the held-out set does not change with the
   * calibration count.
   */
  seed: number;
  /** Every `heldOutEvery`-th source picture (sorted by name) feeds only the held-out folder. */
  heldOutEvery?: number;
}

export interface PhotoCropResult {
  calibrationSources: string[];
  heldOutSources: string[];
}

interface Source {
  name: string;
  pixels: Buffer;
  width: number;
  height: number;
}

async function loadSource(file: string): Promise<Source> {
  const { data, info } = await sharp(file)
    .rotate()
    .removeAlpha()
    .toColourspace('srgb')
    .resize(WORKING_SIDE, WORKING_SIDE, { fit: 'inside', withoutEnlargement: true })
    .raw()
    .toBuffer({ resolveWithObject: true });
  return { name: path.basename(file), pixels: data, width: info.width, height: info.height };
}

async function writeCrops(
  sources: Source[],
  dir: string,
  count: number,
  size: number,
  rng: ReturnType<typeof createRng>,
): Promise<void> {
  mkdirSync(dir, { recursive: true });
  for (let i = 0; i < count; i++) {
    const source = sources[i % sources.length]!;
    const shortSide = Math.min(source.width, source.height);
    // A crop of 25..100 % of the short side: close-ups as well as whole scenes.
    const side = Math.max(16, Math.round(shortSide * rng.uniform(0.25, 1)));
    const left = rng.int(source.width - side + 1);
    const top = rng.int(source.height - side + 1);
    let crop = sharp(source.pixels, {
      raw: { width: source.width, height: source.height, channels: 3 },
    })
      .extract({ left, top, width: side, height: side })
      .resize(size, size);
    if (rng.next() < 0.5) crop = crop.flop();
    const stem = source.name.replace(PICTURE, '');
    await crop
      .jpeg({ quality: 92 })
      .toFile(path.join(dir, `${String(i).padStart(4, '0')}-${stem}.jpg`));
  }
}

/** The held-out stream's seed (createRng mixes seeds with splitmix32: neighbours are unrelated). */
function heldOutSeed(seed: number): number {
  return seed + 1;
}

/** Write the calibration and held-out crop folders; returns which pictures fed which folder. */
export async function writePhotoCrops(options: PhotoCropOptions): Promise<PhotoCropResult> {
  const dir = options.sources ?? photosDir();
  const every = options.heldOutEvery ?? 4;
  const files = readdirSync(dir)
    .filter((f) => PICTURE.test(f))
    .sort();
  const calibrationFiles = files.filter((_, i) => i % every !== every - 1);
  const heldOutFiles = files.filter((_, i) => i % every === every - 1);
  if (calibrationFiles.length === 0 || heldOutFiles.length === 0)
    throw new Error(`${dir} has ${files.length} pictures: too few for disjoint crop folders`);
  const load = (names: string[]): Promise<Source[]> =>
    Promise.all(names.map((n) => loadSource(path.join(dir, n))));
  await writeCrops(
    await load(calibrationFiles),
    options.calibrationDir,
    options.calibration,
    options.size,
    createRng(options.seed),
  );
  await writeCrops(
    await load(heldOutFiles),
    options.heldOutDir,
    options.heldOut,
    options.size,
    createRng(heldOutSeed(options.seed)),
  );
  return { calibrationSources: calibrationFiles, heldOutSources: heldOutFiles };
}
