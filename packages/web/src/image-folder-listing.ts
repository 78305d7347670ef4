/**
 * An image folder chosen in the browser (directory picker or a dropped folder), listed by the
 * engine's image-folder rule (`imageFolderLayout`, the same the CLI applies to a folder on disk).
 * Paths are relative to the chosen folder's parent, as `webkitRelativePath` gives them
 * (`digits/3/img7.png`).
 */
import { DataError, imageFolderLayout, type FolderEntry } from '@collabopt/engine';

export interface BrowserImageListing {
  /** The chosen folder's name. */
  readonly folder: string;
  /** Indices into the given paths, in the order the samples are read. */
  readonly order: readonly number[];
  /** Class id per sample (same order), when the folder has class subfolders. */
  readonly classes?: Int32Array;
  readonly classNames?: readonly string[];
}

/** A folder's entries from the path parts below it: a file where one part is left, else a folder. */
function entriesBelow(paths: readonly (readonly string[])[]): FolderEntry[] {
  return paths.map((parts) => ({ name: parts[0]!, kind: parts.length === 1 ? 'file' : 'folder' }));
}

/** List the images among `paths` (each `folder/…`); a typed error when there are none. */
export function listBrowserImageFolder(paths: readonly string[]): BrowserImageListing {
  const split = paths.map((p) => p.split('/').filter((s) => s !== ''));
  const folder = split[0]?.[0] ?? '';
  if (split.some((parts) => parts[0] !== folder))
    throw new DataError('DATA_UNREADABLE', 'choose one folder (these files come from several)', {
      file: folder,
    });
  const below = split.map((parts) => parts.slice(1)).filter((parts) => parts.length > 0);
  const layout = imageFolderLayout(folder, entriesBelow(below), (className) =>
    entriesBelow(below.filter((parts) => parts[0] === className).map((parts) => parts.slice(1))),
  );
  const indexOf = new Map(split.map((parts, i) => [parts.slice(1).join('/'), i]));
  const order = layout.images.map((image) =>
    indexOf.get(
      layout.classNames ? `${layout.classNames[image.classId!]}/${image.name}` : image.name,
    )!,
  );
  if (!layout.classNames) return { folder, order };
  return {
    folder,
    order,
    classes: Int32Array.from(layout.images, (image) => image.classId!),
    classNames: layout.classNames,
  };
}
