import { promises as fs } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { OutputJournal } from './output-journal';

describe('OutputJournal', () => {
  let root: string;
  beforeEach(async () => {
    root = await fs.mkdtemp(path.join(os.tmpdir(), 'collabopt-journal-'));
  });
  afterEach(async () => {
    await fs.rm(root, { recursive: true, force: true });
  });

  it('removes the outermost folder the run created, and nothing above it', async () => {
    const journal = new OutputJournal();
    await journal.watch(path.join(root, 'a', 'b', 'tree'));
    await fs.mkdir(path.join(root, 'a', 'b', 'tree'), { recursive: true });
    await fs.writeFile(path.join(root, 'a', 'b', 'tree', 'leaf.tflite'), 'x');
    expect(await journal.removeCreated()).toEqual([path.join(root, 'a')]);
    expect(await fs.readdir(root)).toEqual([]);
  });

  it('in an existing folder removes only new files, keeping old and replaced ones', async () => {
    const tree = path.join(root, 'tree');
    await fs.mkdir(tree);
    await fs.writeFile(path.join(tree, 'old.tflite'), 'old');
    await fs.writeFile(path.join(tree, 'replaced.tflite'), 'v1');
    const journal = new OutputJournal();
    await journal.watch(tree);
    await fs.writeFile(path.join(tree, 'replaced.tflite'), 'v2');
    await fs.writeFile(path.join(tree, 'new.tflite'), 'new');
    expect(await journal.removeCreated()).toEqual([path.join(tree, 'new.tflite')]);
    expect((await fs.readdir(tree)).sort()).toEqual(['old.tflite', 'replaced.tflite']);
  });

  it('for an output file removes only new names derived from it', async () => {
    await fs.writeFile(path.join(root, 'notes.txt'), 'mine');
    const journal = new OutputJournal();
    await journal.watchFile(path.join(root, 'm.json'));
    await fs.writeFile(path.join(root, 'm.json'), '{}');
    await fs.writeFile(path.join(root, 'm-shard1of1.bin'), 'w');
    await fs.writeFile(path.join(root, '.m.json.tmp-1-ab'), 'staged');
    await fs.writeFile(path.join(root, 'other.json'), 'someone else');
    await fs.writeFile(path.join(root, 'mnist.bin'), 'someone else');
    expect((await journal.removeCreated()).map((p) => path.basename(p)).sort()).toEqual([
      '.m.json.tmp-1-ab',
      'm-shard1of1.bin',
      'm.json',
    ]);
    expect((await fs.readdir(root)).sort()).toEqual(['mnist.bin', 'notes.txt', 'other.json']);
  });
});
