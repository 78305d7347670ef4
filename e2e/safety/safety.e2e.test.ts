/**
 * Safe with any file (issue #15): every hostile or careless case is built here at run time (no
 * committed hostile files) and run through the built CLI in a child process. Each refused case must
 * exit 2 with a typed error (no stack trace), leave the inputs and every unrelated file
 * byte-identical, and — for the resource cases — stay under 1 GB peak RSS and 5 s of CPU time
 * measured by the child's own resourceUsage(). At the end the suite prints the table
 * (case, before, after) for the issue.
 */
import { execFileSync } from 'node:child_process';
import { promises as fs } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { GraphBuilder, readModel, writeModel } from '@collabopt/core';
import { registerKerasFormat } from '@collabopt/format-keras';
import { encodeModel, registerOnnxFormat } from '@collabopt/format-onnx';
import { registerTfliteFormat } from '@collabopt/format-tflite';
import { buildCli, runCli, snapshot, type CliRun } from './run-cli-child';

const GB = 2 ** 30;
const rows: { name: string; before: string; after: string }[] = [];

function denseModel(seed: number) {
  const b = new GraphBuilder('tiny', { seed });
  return b.build(b.layer('Dense', 'd', b.input('x', [-1, 8]), { units: 4 }));
}

function describeRun(r: CliRun): string {
  const err = /error \[([A-Z0-9_]+)\]/.exec(r.stderr)?.[1];
  const parts = [
    r.hung ? 'HUNG (killed)' : `exit ${r.code}`,
    ...(err ? [err] : []),
    ...(r.maxRssBytes !== undefined ? [`${(r.maxRssBytes / 2 ** 20).toFixed(0)} MB peak RSS`] : []),
    ...(r.cpuMs !== undefined ? [`${(r.cpuMs / 1000).toFixed(1)} s CPU`] : []),
    `${(r.wallMs / 1000).toFixed(1)} s wall`,
  ];
  return parts.join(', ');
}

function expectTypedRefusal(r: CliRun, code: string): void {
  expect(r.hung).toBe(false);
  expect(r.stderr).toContain(`error [${code}]`);
  expect(r.stderr).not.toMatch(/^\s+at /m); // no stack trace
  expect(r.code).toBe(2);
}

describe('safe with any file: the CLI against hostile and careless inputs', () => {
  let root: string;
  const p = (...parts: string[]): string => path.join(root, ...parts);

  beforeAll(async () => {
    buildCli();
    registerKerasFormat();
    registerOnnxFormat();
    registerTfliteFormat();
    root = await fs.realpath(await fs.mkdtemp(path.join(os.tmpdir(), 'collabopt-safety-')));
    for (const d of ['in', 'outside', 'wd', 'out']) await fs.mkdir(p(d));
    await fs.writeFile(p('outside', 'unrelated.txt'), 'an unrelated file');
    await fs.writeFile(p('file.txt'), 'a regular file');
    await writeModel(denseModel(1), p('in', 'm.tflite'));
    await writeModel(denseModel(2), p('wd', 'm.tflite'));
    await fs.symlink(p('wd'), p('wdlink'));
  }, 300000);
  afterAll(async () => {
    if (root) await fs.rm(root, { recursive: true, force: true });
    if (rows.length > 0) {
      const w = Math.max(...rows.map((r) => r.name.length));
      const v = Math.max(...rows.map((r) => r.before.length));
      console.log(
        [
          `${'case'.padEnd(w)} | ${'before (issue #15)'.padEnd(v)} | after`,
          ...rows.map((r) => `${r.name.padEnd(w)} | ${r.before.padEnd(v)} | ${r.after}`),
        ].join('\n'),
      );
    }
  });

  /** Run a refused case: typed error, exit 2, nothing under root changed. */
  async function refused(
    name: string,
    before: string,
    args: string[],
    code: string,
    extra: (r: CliRun) => void = () => undefined,
  ): Promise<CliRun> {
    const was = await snapshot(root);
    const r = await runCli(args, { cwd: root, timeoutMs: 30000 });
    rows.push({ name, before, after: describeRun(r) });
    expectTypedRefusal(r, code);
    expect(await snapshot(root)).toEqual(was);
    extra(r);
    return r;
  }

  /** A model folder with the Keras (json) or ONNX (external data) files of a model. */
  async function modelFolder(name: string, file: string, options = {}): Promise<string[]> {
    await fs.mkdir(p(name));
    return writeModel(denseModel(3), p(name, file), options);
  }

  it('refuses a Keras weight shard that is a symlink leaving the model folder', async () => {
    const [, shard] = await modelFolder('keras-escape', 'm.json');
    await fs.rename(shard!, p('outside', 'secret.bin'));
    await fs.symlink(p('outside', 'secret.bin'), shard!);
    await refused(
      'Keras shard: symlink to a file outside the folder',
      'outside bytes copied into the output, exit 0',
      ['convert', 'keras-escape/m.json', 'out/escape.tflite'],
      'FORMAT_BAD_REFERENCE',
    );
  });

  it('refuses ONNX external data that is a symlink leaving the model folder', async () => {
    const [, data] = await modelFolder('onnx-escape', 'm.onnx', { externalData: 'always' });
    await fs.rename(data!, p('outside', 'secret.data'));
    await fs.symlink(p('outside', 'secret.data'), data!);
    await refused(
      'ONNX external data: symlink to a file outside the folder',
      'outside bytes copied into the output, exit 0',
      ['convert', 'onnx-escape/m.onnx', 'out/escape.tflite'],
      'FORMAT_BAD_REFERENCE',
    );
  });

  it('refuses ONNX external data that is a FIFO without blocking', async () => {
    const [, data] = await modelFolder('onnx-fifo', 'm.onnx', { externalData: 'always' });
    await fs.rm(data!);
    execFileSync('mkfifo', [data!]);
    await refused(
      'ONNX external data: FIFO',
      'reader hangs forever',
      ['convert', 'onnx-fifo/m.onnx', 'out/fifo.tflite'],
      'FILE_NOT_REGULAR',
    );
  });

  it('refuses links to /dev/zero (ONNX external data, Keras shard) and /dev/zero as the model', async () => {
    const [, data] = await modelFolder('onnx-zero', 'm.onnx', { externalData: 'always' });
    await fs.rm(data!);
    await fs.symlink('/dev/zero', data!);
    const check = (r: CliRun): void => {
      expect(r.maxRssBytes!).toBeLessThan(GB);
      expect(r.cpuMs!).toBeLessThan(5000);
    };
    await refused(
      'ONNX external data: symlink to /dev/zero',
      'memory grew to 12.9 GB before the process was killed',
      ['convert', 'onnx-zero/m.onnx', 'out/zero.tflite'],
      'FORMAT_BAD_REFERENCE',
      check,
    );
    const [, shard] = await modelFolder('keras-zero', 'm.json');
    await fs.rm(shard!);
    await fs.symlink('/dev/zero', shard!);
    await refused(
      'Keras shard: symlink to /dev/zero',
      '(same defect as above; not measured separately)',
      ['convert', 'keras-zero/m.json', 'out/zero.tflite'],
      'FORMAT_BAD_REFERENCE',
      check,
    );
    await refused(
      'model file is /dev/zero',
      '(not probed)',
      ['inspect', '/dev/zero'],
      'FILE_NOT_REGULAR',
      check,
    );
  });

  it('refuses to replace the input through a symlinked folder, before any pass runs', async () => {
    await refused(
      'optimize wd/m.tflite -o wdlink/m.tflite',
      'input replaced, exit 0',
      [
        'optimize',
        'wd/m.tflite',
        '-o',
        'wdlink/m.tflite',
        '-p',
        'prune(sparsity=0.5)',
        '--data',
        'none',
      ],
      'WRITE_WOULD_OVERWRITE_INPUT',
    );
    await refused(
      'convert wd/m.tflite wdlink/m.tflite',
      '(same defect)',
      ['convert', 'wd/m.tflite', 'wdlink/m.tflite'],
      'WRITE_WOULD_OVERWRITE_INPUT',
    );
  });

  it('keeps two Keras models written into one folder apart', async () => {
    const a = await runCli(['convert', 'in/m.tflite', 'out/a.json'], { cwd: root });
    const b = await runCli(['convert', 'wd/m.tflite', 'out/b.json'], { cwd: root });
    expect([a.code, b.code]).toEqual([0, 0]);
    const backA = await readModel(p('out', 'a.json'));
    const original = await readModel(p('in', 'm.tflite'));
    const same =
      JSON.stringify(Array.from(backA.node('d').weight('kernel').tensor.data as Float32Array)) ===
      JSON.stringify(Array.from(original.node('d').weight('kernel').tensor.data as Float32Array));
    rows.push({
      name: 'a.json then b.json in one folder',
      before: "a.json silently loads b's weights (shared group1-shard1of1.bin)",
      after: `shards ${(await fs.readdir(p('out'))).filter((n) => n.endsWith('.bin')).join(', ')}; a.json keeps its own weights: ${same}`,
    });
    expect(same).toBe(true);
  });

  it('leaves a multi-file model untouched when one of its files cannot be replaced', async () => {
    await fs.mkdir(p('multi'));
    await runCli(['convert', 'in/m.tflite', 'multi/m.json'], { cwd: root });
    // the shard's name is now taken by a folder: the main file must not be replaced either
    await fs.rm(p('multi', 'm-shard1of1.bin'));
    await fs.mkdir(p('multi', 'm-shard1of1.bin'));
    await refused(
      'Keras write whose shard cannot be committed',
      'model.json replaced first, pointing to a missing shard',
      ['convert', 'wd/m.tflite', 'multi/m.json'],
      'FILE_NOT_WRITABLE',
    );
  });

  it('bounds the memory of a topology-only Keras file', async () => {
    await fs.mkdir(p('keras-bomb'));
    await fs.writeFile(
      p('keras-bomb', 'big.json'),
      JSON.stringify({
        class_name: 'Sequential',
        config: {
          name: 'big',
          layers: [
            { class_name: 'InputLayer', config: { name: 'in', batch_input_shape: [null, 16384] } },
            { class_name: 'Dense', config: { name: 'huge', units: 16384, use_bias: false } },
          ],
        },
      }),
    );
    expect((await fs.stat(p('keras-bomb', 'big.json'))).size).toBeLessThan(400);
    await refused(
      'topology-only Keras JSON, Dense 16384×16384',
      '3.2 GB, 60 s',
      ['inspect', 'keras-bomb/big.json'],
      'KERAS_WEIGHT_BUDGET_EXCEEDED',
      (r) => {
        expect(r.stderr).toContain('huge');
        expect(r.stderr).toContain('initialWeightBudgetBytes');
        expect(r.maxRssBytes!).toBeLessThan(GB);
        expect(r.cpuMs!).toBeLessThan(5000);
      },
    );
  });

  it('bounds the memory of constant folding in the ONNX reader', async () => {
    const n = 1 << 24;
    const io = (name: string) => ({
      name,
      type: { tensorType: { elemType: 1, shape: { dim: [{ dimValue: 1 }, { dimValue: n }] } } },
    });
    const nodes = [];
    let prev = 'x';
    for (let i = 0; i < 8; i++) {
      nodes.push({
        name: `fill${i}`,
        opType: 'ConstantOfShape',
        input: ['shape'],
        output: [`c${i}`],
      });
      nodes.push({ name: `add${i}`, opType: 'Add', input: [prev, `c${i}`], output: [`s${i}`] });
      prev = `s${i}`;
    }
    const bytes = encodeModel({
      irVersion: 7,
      opsetImport: [{ domain: '', version: 13 }],
      graph: {
        name: 'bomb',
        node: nodes,
        initializer: [{ name: 'shape', dims: [2], dataType: 7, int64Data: [1, n] }],
        input: [io('x')],
        output: [io(prev)],
      },
    });
    await fs.mkdir(p('onnx-bomb'));
    await fs.writeFile(p('onnx-bomb', 'bomb.onnx'), bytes);
    await refused(
      `ONNX 8× ConstantOfShape([2^24]) (${bytes.length} bytes)`,
      '1.24 GB (≈130 MB per node, unbounded)',
      ['inspect', 'onnx-bomb/bomb.onnx'],
      'ONNX_FOLD_BUDGET_EXCEEDED',
      (r) => {
        expect(r.stderr).toContain('foldBudgetBytes');
        expect(r.maxRssBytes!).toBeLessThan(GB);
        expect(r.cpuMs!).toBeLessThan(5000);
      },
    );
  });

  it('gives typed errors for outputs that cannot be created, without hanging', async () => {
    await refused(
      'output under a regular file',
      'exit 1, stack trace (EEXIST from mkdir outside the try)',
      ['convert', 'in/m.tflite', 'file.txt/out.onnx'],
      'FILE_NOT_WRITABLE',
    );
    await refused(
      'output under /proc',
      'hangs in mkdir',
      ['convert', 'in/m.tflite', '/proc/collabopt-safety/out.onnx'],
      'FILE_NOT_WRITABLE',
    );
    await refused(
      'tree -o <a regular file>',
      'found only after the baseline training',
      ['tree', '-o', 'file.txt', '--epochs', '1'],
      'FILE_NOT_WRITABLE',
    );
  });

  it('checks arguments and the output format before any pass runs', async () => {
    await refused(
      'tree --data none',
      'exit 1, stack trace',
      ['tree', '--data', 'none', '-o', 'out/tree'],
      'INVALID_ARGUMENT',
    );
    await refused(
      'optimize -o x.xyz',
      'found after the whole pipeline ran',
      ['optimize', 'in/m.tflite', '-o', 'out/x.xyz', '-p', 'prune(sparsity=0.5)', '--data', 'none'],
      'FORMAT_UNKNOWN',
    );
    await refused(
      'optimize --format bogus',
      'found after the whole pipeline ran',
      [
        'optimize',
        'in/m.tflite',
        '-o',
        'out/x.tflite',
        '--format',
        'bogus',
        '-p',
        'prune(sparsity=0.5)',
        '--data',
        'none',
      ],
      'FORMAT_UNKNOWN',
    );
    await refused(
      'optimize --epochs=-5',
      'accepted and ignored',
      [
        'optimize',
        'in/m.tflite',
        '-o',
        'out/x.tflite',
        '-p',
        'prune(sparsity=0.5)',
        '--data',
        'none',
        '--epochs=-5',
      ],
      'INVALID_ARGUMENT',
    );
  });

  it('names the file in reader errors and prints reader warnings', async () => {
    const [json] = await modelFolder('keras-broken', 'm.json');
    const broken = JSON.parse(await fs.readFile(json!, 'utf8'));
    broken.weightsManifest[0].weights[0].shape = [9, 4];
    await fs.writeFile(json!, JSON.stringify(broken));
    await refused(
      'reader error location',
      'message without the file name',
      ['inspect', 'keras-broken/m.json'],
      'KERAS_SHARD_SIZE',
      (r) => expect(r.stderr).toContain(path.join('keras-broken', 'm.json')),
    );

    const [tampered] = await modelFolder('keras-warn', 'm.json');
    const t = JSON.parse(await fs.readFile(tampered!, 'utf8'));
    t.userDefinedMetadata = { collabopt: { version: 1, weights: { ghost: {} } } };
    await fs.writeFile(tampered!, JSON.stringify(t));
    const r = await runCli(['inspect', 'keras-warn/m.json'], { cwd: root });
    rows.push({
      name: 'reader warning (annotations for a missing layer)',
      before: 'never printed',
      after: `exit ${r.code}, stderr: ${r.stderr.split('\n').find((l) => l.includes('ghost')) ?? '(none)'}`,
    });
    expect(r.code).toBe(0);
    expect(r.stderr).toMatch(/warn.*ghost/);
  });

  it('accepts files legitimately named ..weights.bin', async () => {
    const [json, shard] = await modelFolder('dotdot', 'm.json');
    await fs.rename(shard!, p('dotdot', '..weights.bin'));
    const j = JSON.parse(await fs.readFile(json!, 'utf8'));
    j.weightsManifest[0].paths = ['..weights.bin'];
    await fs.writeFile(json!, JSON.stringify(j));
    const r = await runCli(['convert', 'dotdot/m.json', 'out/dotdot.tflite'], { cwd: root });
    rows.push({ name: 'shard named ..weights.bin', before: 'refused', after: describeRun(r) });
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
  });

  it('stops training promptly on Ctrl-C, exits 130 and leaves no new files', async () => {
    const was = await snapshot(root);
    let interruptedAt = 0;
    const r = await runCli(['tree', '-o', 'out/tree', '--epochs', '3'], {
      cwd: root,
      timeoutMs: 120000,
      onOutput: {
        text: 'training the reference CNN',
        then: (child) => {
          setTimeout(() => {
            interruptedAt = Date.now();
            child.kill('SIGINT');
          }, 1500);
        },
      },
    });
    const stopMs = Date.now() - interruptedAt;
    rows.push({
      name: 'SIGINT during tree training',
      before: 'ignored for 8–21 s; 2nd Ctrl-C does nothing; a leaf is still written',
      after: `${r.hung ? 'HUNG' : `exit ${r.code}`} ${(stopMs / 1000).toFixed(1)} s after SIGINT`,
    });
    expect(interruptedAt).toBeGreaterThan(0);
    expect(r.code).toBe(130);
    expect(await snapshot(root)).toEqual(was);
    // Needs the engine's fit loop to yield to the event loop every batch (the signal handler
    // cannot run while a loop holds the thread).
    expect(stopMs).toBeLessThan(2000);
  });
});
