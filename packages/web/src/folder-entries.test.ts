import { droppedFolder } from './folder-entries';

/** A fake FileSystemEntry tree, as Chromium hands it to a drop handler. */
type Fake = { name: string; file?: File; children?: Fake[] };

function entry(f: Fake): FileSystemEntry {
  if (f.file)
    return {
      name: f.name,
      isFile: true,
      isDirectory: false,
      file: (ok: (file: File) => void) => ok(f.file!),
    } as unknown as FileSystemEntry;
  // readEntries answers in chunks of two, then with an empty list, as browsers do for large folders
  return {
    name: f.name,
    isFile: false,
    isDirectory: true,
    createReader: () => {
      let at = 0;
      return {
        readEntries: (ok: (entries: FileSystemEntry[]) => void) => {
          const chunk = (f.children ?? []).slice(at, at + 2).map(entry);
          at += chunk.length;
          ok(chunk);
        },
      };
    },
  } as unknown as FileSystemEntry;
}

const items = (...entries: FileSystemEntry[]): DataTransferItemList =>
  entries.map((e) => ({ webkitGetAsEntry: () => e })) as unknown as DataTransferItemList;

const png = (name: string): File => new File([new Uint8Array([137, 80, 78, 71])], name);

describe('a dropped folder', () => {
  it('yields every file below it, named by its path from the folder, as the picker names them', async () => {
    const tree = entry({
      name: 'digits',
      children: [
        {
          name: '0',
          children: [png('a.png'), png('b.png'), png('c.png')].map((file) => ({
            name: file.name,
            file,
          })),
        },
        { name: '1', children: [{ name: 'd.png', file: png('d.png') }] },
        { name: 'notes.txt', file: new File(['x'], 'notes.txt') },
      ],
    });
    const files = await droppedFolder(items(tree));
    expect(files!.map((f) => f.path).sort()).toEqual([
      'digits/0/a.png',
      'digits/0/b.png',
      'digits/0/c.png',
      'digits/1/d.png',
      'digits/notes.txt',
    ]);
    expect(files!.find((f) => f.path === 'digits/1/d.png')!.file.size).toBe(4);
  });

  it('leaves plain dropped files alone (they are model files)', () => {
    expect(
      droppedFolder(items(entry({ name: 'model.json', file: png('model.json') }))),
    ).toBeUndefined();
  });
});
