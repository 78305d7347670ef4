/**
 * Unlabelled image folders generated at test time (nothing committed): face-like drawings (a skin
 * ellipse with eyes and a mouth on a random background, random position and size) rendered from
 * SVG by sharp, the decoder the engine's image folders use.
 */
import { mkdirSync } from 'node:fs';
import * as path from 'node:path';
import sharp from 'sharp';
import { createRng } from '@collabopt/core';
import { loadFashionMnist } from '@collabopt/engine';

function faceSvg(size: number, rng: ReturnType<typeof createRng>): string {
  const c = (lo: number, hi: number): number => Math.round(lo + (hi - lo) * rng.next());
  const background = `rgb(${c(0, 255)},${c(0, 255)},${c(0, 255)})`;
  const skin = `rgb(${c(150, 255)},${c(100, 200)},${c(70, 170)})`;
  const r = size * (0.15 + 0.25 * rng.next());
  const cx = r + (size - 2 * r) * rng.next();
  const cy = r + (size - 2 * r) * rng.next();
  const eye = r * 0.12;
  const clutter = Array.from({ length: 3 }, () => {
    const w = c(4, size / 3);
    return `<rect x="${c(0, size)}" y="${c(0, size)}" width="${w}" height="${c(4, size / 3)}" fill="rgb(${c(0, 255)},${c(0, 255)},${c(0, 255)})"/>`;
  }).join('');
  return (
    `<svg xmlns="http://www.w3.org/2000/svg" width="${size}" height="${size}">` +
    `<rect width="${size}" height="${size}" fill="${background}"/>${clutter}` +
    `<ellipse cx="${cx}" cy="${cy}" rx="${r * 0.8}" ry="${r}" fill="${skin}"/>` +
    `<circle cx="${cx - r * 0.35}" cy="${cy - r * 0.25}" r="${eye}" fill="#222"/>` +
    `<circle cx="${cx + r * 0.35}" cy="${cy - r * 0.25}" r="${eye}" fill="#222"/>` +
    `<ellipse cx="${cx}" cy="${cy + r * 0.45}" rx="${r * 0.35}" ry="${r * 0.1}" fill="#822"/>` +
    `</svg>`
  );
}

/** Write `count` face-like PNGs of `size`×`size` into `dir` (a flat folder: unlabelled). */
export async function writeFaceImages(
  dir: string,
  count: number,
  size: number,
  seed: number,
): Promise<string> {
  mkdirSync(dir, { recursive: true });
  const rng = createRng(seed);
  for (let i = 0; i < count; i++) {
    const svg = Buffer.from(faceSvg(size, rng));
    await sharp(svg)
      .png()
      .toFile(path.join(dir, `face-${String(i).padStart(4, '0')}.png`));
  }
  return dir;
}

/**
 * Write Fashion-MNIST test images `from`..`from + count − 1` as 28×28 grayscale PNGs into `dir`
 * (a flat folder: unlabelled; the data set resizes them to the model input).
 */
export async function writeFashionImages(
  dir: string,
  from: number,
  count: number,
): Promise<string> {
  mkdirSync(dir, { recursive: true });
  const { test } = loadFashionMnist();
  for (let i = 0; i < count; i++) {
    const j = from + i;
    const pixels = Buffer.from(
      Array.from(test.x.subarray(j * 784, (j + 1) * 784), (v) => Math.round(v * 255)),
    );
    await sharp(pixels, { raw: { width: 28, height: 28, channels: 1 } })
      .png()
      .toFile(path.join(dir, `fashion-${String(j).padStart(5, '0')}.png`));
  }
  return dir;
}
