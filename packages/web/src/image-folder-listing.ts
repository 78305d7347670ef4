/**
 * An image folder chosen in the browser (directory picker or a dropped folder) as the engine's
 * image-folder rules read a folder on disk: one subfolder per class — sorted by name, class id =
 * position — or the images themselves, unlabelled; files sorted by name; only .png/.jpg/.jpeg/
 * .webp that do not start with a dot. Paths are relative to the chosen folder's parent, as
 * `webkitRelativePath` gives them (`digits/3/img7.png`).
 */
import { DataError } from '@collabopt/engine';

/** File extensions read as images (the engine's list for folders on disk). */
export const IMAGE_EXTENSIONS_BROWSER: readonly string[] = ['.png', '.jpg', '.jpeg', '.webp'];

export interface BrowserImageListing {
  /** The chosen folder's name. */
  readonly folder: string;
  /** Indices into the given paths, in the order the samples are read. */
  readonly order: readonly number[];
  /** Class id per sample (same order), when the folder has class subfolders. */
  readonly classes?: Int32Array;
  readonly classNames?: readonly string[];
}

const byCodePoint = (a: string, b: string): number => (a < b ? -1 : a > b ? 1 : 0);

function isImage(name: string): boolean {
  const dot = name.lastIndexOf('.');
  return (
    !name.startsWith('.') &&
    dot > 0 &&
    IMAGE_EXTENSIONS_BROWSER.includes(name.slice(dot).toLowerCase())
  );
}

/** List the images among `paths` (each `folder/…`); a typed error when there are none. */
export function listBrowserImageFolder(paths: readonly string[]): BrowserImageListing {
  const split = paths.map((p) => p.split('/').filter((s) => s !== ''));
  const folder = split[0]?.[0] ?? '';
  if (split.some((parts) => parts[0] !== folder))
    throw new DataError('DATA_UNREADABLE', 'choose one folder (these files come from several)', {
      file: folder,
    });
  // Class subfolders: the first level below the folder, hidden ones ignored.
  const classNames = [
    ...new Set(
      split
        .filter((parts) => parts.length >= 3 && !parts[1]!.startsWith('.'))
        .map((parts) => parts[1]!),
    ),
  ].sort(byCodePoint);
  if (classNames.length === 0) {
    const order = split
      .map((parts, i) => ({ i, parts }))
      .filter(({ parts }) => parts.length === 2 && isImage(parts[1]!))
      .sort((a, b) => byCodePoint(a.parts[1]!, b.parts[1]!))
      .map(({ i }) => i);
    if (order.length === 0)
      throw new DataError(
        'DATA_EMPTY',
        `no images (${IMAGE_EXTENSIONS_BROWSER.join(', ')}) and no class subfolders in the folder`,
        { file: folder },
      );
    return { folder, order };
  }
  const order: number[] = [];
  const ids: number[] = [];
  classNames.forEach((name, c) => {
    const members = split
      .map((parts, i) => ({ i, parts }))
      .filter(({ parts }) => parts.length === 3 && parts[1] === name && isImage(parts[2]!))
      .sort((a, b) => byCodePoint(a.parts[2]!, b.parts[2]!));
    if (members.length === 0)
      throw new DataError(
        'DATA_EMPTY',
        `class folder "${name}" holds no images (${IMAGE_EXTENSIONS_BROWSER.join(', ')})`,
        { file: `${folder}/${name}` },
      );
    for (const m of members) {
      order.push(m.i);
      ids.push(c);
    }
  });
  return { folder, order, classes: Int32Array.from(ids), classNames };
}
