import { promises as fs } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { GraphBuilder, readModel, writeModel } from '@collabopt/core';
import { registerAllPlugins } from './plugins';
import { runCli } from './run-cli';
import { capturedIo as io } from '../test/captured-io';

// A user's pass as a plain CommonJS module: it gets the registries, imports nothing of ours.
const SCALE_PLUGIN = `
exports.register = ({ passes }) => {
  passes.register({
    name: 'scaleDenseKernels',
    description: 'multiply every Dense kernel by a factor (test plugin)',
    options: { factor: { kind: 'number', default: 2, description: 'the factor' } },
    create: (o) => ({
      name: 'scaleDenseKernels',
      run(graph) {
        for (const n of graph.nodes)
          if (n.op === 'Dense') {
            const k = n.weight('kernel').tensor.data;
            for (let i = 0; i < k.length; i++) k[i] *= o.factor;
          }
        return { changed: true };
      },
    }),
  });
};
`;

describe('collabopt --plugin and --version', () => {
  let dir: string;
  let model: string;

  beforeAll(async () => {
    registerAllPlugins();
    dir = await fs.mkdtemp(path.join(os.tmpdir(), 'collabopt-plugin-'));
    await fs.writeFile(path.join(dir, 'scale.cjs'), SCALE_PLUGIN);
    await fs.writeFile(path.join(dir, 'empty.cjs'), 'exports.nothing = 1;\n');
    const b = new GraphBuilder('tiny', { seed: 3 });
    const x = b.input('input', [-1, 4]);
    const g = b.build(b.layer('Dense', 'logits', x, { units: 3 }));
    model = path.join(dir, 'tiny.onnx');
    await writeModel(g, model);
  });
  afterAll(async () => {
    await fs.rm(dir, { recursive: true, force: true });
  });

  it('prints the version from the package manifest', async () => {
    const a = io();
    expect(await runCli(['--version'], a.io)).toBe(0);
    const manifest = JSON.parse(
      await fs.readFile(path.join(__dirname, '..', 'package.json'), 'utf8'),
    ) as { version: string };
    expect(a.out()).toBe(`collabopt ${manifest.version}\n`);
  });

  it('loads a pass from a file and runs it in a text pipeline', async () => {
    const a = io();
    const out = path.join(dir, 'scaled.onnx');
    const code = await runCli(
      [
        '--plugin',
        path.join(dir, 'scale.cjs'),
        'optimize',
        model,
        '-o',
        out,
        '-d',
        'none',
        '-p',
        'scaleDenseKernels(factor=3)',
      ],
      a.io,
    );
    expect(a.err()).toBe('');
    expect(code).toBe(0);
    const before = (await readModel(model)).node('logits').weight('kernel').tensor
      .data as Float32Array;
    const after = (await readModel(out)).node('logits').weight('kernel').tensor
      .data as Float32Array;
    expect(Array.from(after)).toEqual(Array.from(before, (v) => Math.fround(Number(v) * 3)));
  });

  it('names the plugin when the file is missing or exports no register function', async () => {
    const a = io();
    expect(await runCli(['--plugin', './no-such-plugin.js', 'passes'], a.io)).toBe(2);
    expect(a.err()).toMatch(
      /error \[INVALID_ARGUMENT\]: plugin file .*no-such-plugin\.js does not exist/,
    );
    const b = io();
    expect(await runCli(['--plugin', path.join(dir, 'empty.cjs'), 'passes'], b.io)).toBe(2);
    expect(b.err()).toContain('empty.cjs exports no register(registries) function');
  });
});
