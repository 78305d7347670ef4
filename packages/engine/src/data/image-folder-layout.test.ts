import {
  classFolderNames,
  imageFolderLayout,
  isImageFileName,
  type FolderEntry,
} from './image-folder-layout';

const file = (name: string): FolderEntry => ({ name, kind: 'file' });
const folder = (name: string): FolderEntry => ({ name, kind: 'folder' });

describe('the image-folder rule', () => {
  it('counts visible .png/.jpg/.jpeg/.webp files, in any case', () => {
    expect(['a.PNG', 'b.jpg', 'c.jpeg', 'd.WebP'].map(isImageFileName)).toEqual([
      true,
      true,
      true,
      true,
    ]);
    expect(['.x.png', 'png', 'notes.txt', 'a.gif', 'a.png.bak'].map(isImageFileName)).toEqual([
      false,
      false,
      false,
      false,
      false,
    ]);
  });

  it('labels by class subfolder, sorted by code point, files sorted by name inside each', () => {
    const entries = [folder('7'), folder('10'), folder('.hidden'), file('readme.txt')];
    expect(classFolderNames(entries)).toEqual(['10', '7']);
    const inside: Record<string, FolderEntry[]> = {
      '7': [file('b.png'), file('a.jpg'), file('notes.txt'), file('.DS_Store.png')],
      '10': [file('a.PNG'), folder('nested')],
    };
    const layout = imageFolderLayout('digits', entries, (c) => inside[c]!);
    expect(layout.classNames).toEqual(['10', '7']);
    expect(layout.images).toEqual([
      { classId: 0, name: 'a.PNG' },
      { classId: 1, name: 'a.jpg' },
      { classId: 1, name: 'b.png' },
    ]);
  });

  it('reads a folder without subfolders as unlabelled images; links and devices are "other"', () => {
    const layout = imageFolderLayout(
      'shots',
      [file('b.webp'), file('a.jpeg'), file('c.gif'), { name: 'pipe.png', kind: 'other' }],
      () => [],
    );
    expect(layout.classNames).toBeUndefined();
    expect(layout.images).toEqual([{ name: 'a.jpeg' }, { name: 'b.webp' }]);
  });

  it('names the folder without images, or the empty class folder, in a typed error', () => {
    expect(() => imageFolderLayout('d', [file('readme.md')], () => [])).toThrow(
      expect.objectContaining({ code: 'DATA_EMPTY', location: { file: 'd' } }),
    );
    const inside: Record<string, FolderEntry[]> = { '1': [file('a.png')], '2': [file('x.md')] };
    expect(() => imageFolderLayout('d', [folder('1'), folder('2')], (c) => inside[c]!)).toThrow(
      expect.objectContaining({
        code: 'DATA_EMPTY',
        message: expect.stringContaining('class folder "2"'),
        location: { file: 'd/2' },
      }),
    );
    expect(() =>
      imageFolderLayout(
        'd',
        [folder('cat')],
        () => [],
        (c) => `D:\\d\\${c}`,
      ),
    ).toThrow(expect.objectContaining({ location: { file: 'D:\\d\\cat' } }));
  });
});
