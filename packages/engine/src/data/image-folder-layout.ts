/**
 * The image-folder rule, without reading anything (browser-neutral): a folder with subfolders
 * holds one class per subfolder — sorted by name, class id = position — and a folder without is
 * its images, unlabelled; files are sorted by name, so the order (and a seeded split) is the same
 * on every machine; only .png/.jpg/.jpeg/.webp files count, and nothing whose name starts with a
 * dot. The engine applies it to a folder on disk, the web app to a folder chosen in the browser.
 */
import { DataError } from './data-error';

/** File extensions read as images. */
export const IMAGE_EXTENSIONS: readonly string[] = ['.png', '.jpg', '.jpeg', '.webp'];

/** One entry of a folder, by what it is (a link counts as what it points to). */
export interface FolderEntry {
  readonly name: string;
  readonly kind: 'file' | 'folder' | 'other';
}

/** Where each image of a folder is and which class it has, in reading order. */
export interface ImageFolderLayout {
  /** Class names (the sorted subfolder names), when the folder has class subfolders. */
  readonly classNames?: readonly string[];
  /** The images: the class subfolder they are in (labelled) and their file name. */
  readonly images: readonly { readonly classId?: number; readonly name: string }[];
}

const byCodePoint = (a: string, b: string): number => (a < b ? -1 : a > b ? 1 : 0);

/** True for a visible file name with an image extension (any case). */
export function isImageFileName(name: string): boolean {
  const dot = name.lastIndexOf('.');
  return (
    !name.startsWith('.') && dot > 0 && IMAGE_EXTENSIONS.includes(name.slice(dot).toLowerCase())
  );
}

/** The visible subfolders of a folder, sorted: its class names. */
export function classFolderNames(entries: readonly FolderEntry[]): string[] {
  const names = entries.filter((e) => e.kind === 'folder' && !e.name.startsWith('.'));
  return [...new Set(names.map((e) => e.name))].sort(byCodePoint);
}

function imageNames(entries: readonly FolderEntry[]): string[] {
  return entries
    .filter((e) => e.kind === 'file' && isImageFileName(e.name))
    .map((e) => e.name)
    .sort(byCodePoint);
}

/**
 * The layout of `folder` from its entries and, for each of its class folders
 * (`classFolderNames(entries)`), that folder's entries. A folder without images, or a class
 * folder without, is a DataError naming it (`classFolderPath` names a class folder in errors).
 */
export function imageFolderLayout(
  folder: string,
  entries: readonly FolderEntry[],
  classEntries: (className: string) => readonly FolderEntry[],
  classFolderPath: (className: string) => string = (c) => `${folder}/${c}`,
): ImageFolderLayout {
  const classNames = classFolderNames(entries);
  const extensions = IMAGE_EXTENSIONS.join(', ');
  if (classNames.length === 0) {
    const names = imageNames(entries);
    if (names.length === 0)
      throw new DataError(
        'DATA_EMPTY',
        `no images (${extensions}) and no class subfolders in the folder`,
        { file: folder },
      );
    return { images: names.map((name) => ({ name })) };
  }
  const images = classNames.flatMap((className, classId) => {
    const names = imageNames(classEntries(className));
    if (names.length === 0)
      throw new DataError(
        'DATA_EMPTY',
        `class folder "${className}" holds no images (${extensions})`,
        {
          file: classFolderPath(className),
        },
      );
    return names.map((name) => ({ classId, name }));
  });
  return { classNames, images };
}
