import { promises as fs } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { FormatError } from '../errors';
import { Graph } from '../graph';
import { GraphBuilder } from '../graph-builder';
import { FormatRegistry, type FormatDefinition } from './format-registry';
import { SOURCE_FILES_KEY, checkOutputPlan, readModel, writeModel } from './model-io';

/** A toy JSON format with a side file, to exercise the registry and the atomic writer. */
const toyFormat: FormatDefinition = {
  name: 'toy',
  description: 'test format',
  extensions: ['.toy'],
  detect: (bytes) => bytes[0] === 0x54 && bytes[1] === 0x4f && bytes[2] === 0x59, // "TOY"
  async read(source) {
    const text = new TextDecoder().decode(source.bytes.subarray(3));
    const spec = JSON.parse(text) as { name: string; side: string };
    await source.readRelated(spec.side);
    const b = new GraphBuilder(spec.name);
    return b.build(b.layer('Dropout', 'd', b.input('x', [-1, 2])));
  },
  async write(graph, options) {
    const side = `${options.fileName}.side`;
    return [
      {
        path: options.fileName,
        bytes: new TextEncoder().encode(`TOY${JSON.stringify({ name: graph.name, side })}`),
      },
      { path: side, bytes: new Uint8Array([1, 2, 3]) },
    ];
  },
};

describe('format registry and model I/O', () => {
  let dir: string;
  const formats = new FormatRegistry();
  formats.register(toyFormat);

  beforeAll(async () => {
    dir = await fs.mkdtemp(path.join(os.tmpdir(), 'collabopt-io-'));
  });
  afterAll(async () => {
    await fs.rm(dir, { recursive: true, force: true });
  });

  it('picks formats by magic bytes, then extension', () => {
    expect(formats.forFile('model.bin', new TextEncoder().encode('TOY{}')).name).toBe('toy');
    expect(formats.forFile('a/b/model.TOY').name).toBe('toy');
    expect(() => formats.forFile('model.xyz')).toThrow(
      expect.objectContaining({ code: 'FORMAT_UNKNOWN' }),
    );
    expect(() => formats.register(toyFormat)).toThrow(/already registered/);
  });

  it('writes every file atomically and reads the model back, recording its sources', async () => {
    const b = new GraphBuilder('toy-model');
    const g = b.build(b.layer('Dropout', 'd', b.input('x', [-1, 2])));
    const written = await writeModel(g, path.join(dir, 'm.toy'), { formats });
    expect(written.map((p) => path.basename(p))).toEqual(['m.toy', 'm.toy.side']);
    expect((await fs.readdir(dir)).filter((f) => f.includes('.tmp-'))).toEqual([]);
    const back = await readModel(path.join(dir, 'm.toy'), { formats });
    expect(back.name).toBe('toy-model');
    expect(back.metadata[SOURCE_FILES_KEY]).toEqual([
      path.join(dir, 'm.toy'),
      path.join(dir, 'm.toy.side'),
    ]);
  });

  it('never overwrites the files a graph was read from', async () => {
    const back = await readModel(path.join(dir, 'm.toy'), { formats });
    await expect(writeModel(back, path.join(dir, 'm.toy'), { formats })).rejects.toThrow(
      expect.objectContaining({ code: 'WRITE_WOULD_OVERWRITE_INPUT' }),
    );
    const before = await fs.readFile(path.join(dir, 'm.toy.side'));
    expect([...before]).toEqual([1, 2, 3]);
  });

  it('checks an output plan before any work: format, folder, inputs by real path and inode', async () => {
    const code = (p: Promise<unknown>) =>
      p.then(
        () => 'ok',
        (e: { code?: string }) => e.code,
      );
    const back = await readModel(path.join(dir, 'm.toy'), { formats });
    await fs.symlink(dir, path.join(dir, '..', `${path.basename(dir)}-link`));
    const viaLink = path.join(dir, '..', `${path.basename(dir)}-link`, 'm.toy');
    try {
      expect(await code(checkOutputPlan(path.join(dir, 'x.xyz'), { formats }))).toBe(
        'FORMAT_UNKNOWN',
      );
      expect(
        await code(checkOutputPlan(path.join(dir, 'x.toy'), { formats, format: 'nope' })),
      ).toBe('FORMAT_UNKNOWN');
      expect(await code(checkOutputPlan(path.join(dir, 'm.toy', 'x.toy'), { formats }))).toBe(
        'FILE_NOT_WRITABLE',
      );
      expect(await code(checkOutputPlan(viaLink, { formats, graph: back }))).toBe(
        'WRITE_WOULD_OVERWRITE_INPUT',
      );
      expect(
        await code(checkOutputPlan(viaLink, { formats, inputs: [path.join(dir, 'm.toy')] })),
      ).toBe('WRITE_WOULD_OVERWRITE_INPUT');
      expect(await code(checkOutputPlan(path.join(dir, 'new', 'x.toy'), { formats }))).toBe('ok');
      await expect(fs.stat(path.join(dir, 'new'))).rejects.toThrow(); // nothing created
    } finally {
      await fs.rm(path.join(dir, '..', `${path.basename(dir)}-link`));
    }
  });

  it('turns missing files into typed errors naming the file', async () => {
    await expect(readModel(path.join(dir, 'missing.toy'), { formats })).rejects.toThrow(
      FormatError,
    );
    await fs.writeFile(path.join(dir, 'orphan.toy'), 'TOY{"name":"o","side":"nope.side"}');
    await expect(readModel(path.join(dir, 'orphan.toy'), { formats })).rejects.toThrow(
      /cannot read referenced file "nope.side"/,
    );
    await fs.writeFile(path.join(dir, 'escape.toy'), 'TOY{"name":"o","side":"../../etc/passwd"}');
    await expect(readModel(path.join(dir, 'escape.toy'), { formats })).rejects.toThrow(
      /outside the model folder/,
    );
  });

  it('wraps unexpected reader exceptions into FormatError', async () => {
    await fs.writeFile(path.join(dir, 'broken.toy'), 'TOY{not json');
    await expect(readModel(path.join(dir, 'broken.toy'), { formats })).rejects.toThrow(FormatError);
    expect(new Graph().name).toBe('model');
  });
});
