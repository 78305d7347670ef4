/**
 * Files of a dropped folder (drag and drop gives `FileSystemEntry`s, not the files within): read
 * recursively with `webkitGetAsEntry`, each file named by its path from the folder's parent, as
 * the directory picker's `webkitRelativePath` names it.
 */
export interface NamedFile {
  /** `folder/sub/file.png`. */
  readonly path: string;
  readonly file: File;
}

function fileOf(entry: FileSystemFileEntry): Promise<File> {
  return new Promise((resolve, reject) => entry.file(resolve, reject));
}

/** Every entry of a directory (readEntries answers in chunks until it returns none). */
async function entriesOf(dir: FileSystemDirectoryEntry): Promise<FileSystemEntry[]> {
  const reader = dir.createReader();
  const all: FileSystemEntry[] = [];
  for (;;) {
    const chunk = await new Promise<FileSystemEntry[]>((resolve, reject) =>
      reader.readEntries(resolve, reject),
    );
    if (chunk.length === 0) return all;
    all.push(...chunk);
  }
}

async function walk(entry: FileSystemEntry, prefix: string, out: NamedFile[]): Promise<void> {
  const path = prefix ? `${prefix}/${entry.name}` : entry.name;
  if (entry.isFile) out.push({ path, file: await fileOf(entry as FileSystemFileEntry) });
  else if (entry.isDirectory)
    for (const child of await entriesOf(entry as FileSystemDirectoryEntry))
      await walk(child, path, out);
}

/**
 * The dropped folder's files, or undefined when no folder was dropped (plain files go the
 * model's way). The entries must be taken during the drop event, before any await.
 */
export function droppedFolder(items: DataTransferItemList): Promise<NamedFile[]> | undefined {
  const entries = Array.from(items)
    .map((i) => i.webkitGetAsEntry())
    .filter((e): e is FileSystemEntry => e !== null);
  const dir = entries.find((e) => e.isDirectory);
  if (!dir) return undefined;
  return (async () => {
    const out: NamedFile[] = [];
    await walk(dir, '', out);
    return out;
  })();
}
