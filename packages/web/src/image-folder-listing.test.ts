import { listBrowserImageFolder } from './image-folder-listing';

describe('an image folder chosen in the browser', () => {
  it('labels images by class subfolder (sorted by name) and orders files by name', () => {
    const paths = [
      'digits/7/b.png',
      'digits/10/a.PNG',
      'digits/7/a.jpg',
      'digits/readme.txt',
      'digits/7/notes.txt',
      'digits/.hidden/x.png',
      'digits/7/.DS_Store.png',
    ];
    const l = listBrowserImageFolder(paths);
    expect(l.folder).toBe('digits');
    expect(l.classNames).toEqual(['10', '7']); // code-point order, as the engine sorts
    expect(l.order.map((i) => paths[i])).toEqual([
      'digits/10/a.PNG',
      'digits/7/a.jpg',
      'digits/7/b.png',
    ]);
    expect(Array.from(l.classes!)).toEqual([0, 1, 1]);
  });

  it('reads a flat folder of images as unlabelled samples', () => {
    const paths = ['shots/b.webp', 'shots/a.jpeg', 'shots/c.gif'];
    const l = listBrowserImageFolder(paths);
    expect(l.classes).toBeUndefined();
    expect(l.order.map((i) => paths[i])).toEqual(['shots/a.jpeg', 'shots/b.webp']);
  });

  it('names the empty class folder, or the folder without images, in a typed error', () => {
    expect(() => listBrowserImageFolder(['d/1/a.png', 'd/2/readme.md'])).toThrow(
      expect.objectContaining({ code: 'DATA_EMPTY', message: expect.stringContaining('"2"') }),
    );
    expect(() => listBrowserImageFolder(['d/readme.md'])).toThrow(
      expect.objectContaining({ code: 'DATA_EMPTY' }),
    );
    expect(() => listBrowserImageFolder(['a/x.png', 'b/y.png'])).toThrow(
      expect.objectContaining({ code: 'DATA_UNREADABLE' }),
    );
  });
});
