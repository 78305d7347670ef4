import { promises as fs } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { GraphBuilder, readModel, writeModel } from '@collabopt/core';
import { runCli } from './run-cli';
import { registerAllPlugins } from './plugins';
import { capturedIo as io } from '../test/captured-io';

describe('collabopt command line', () => {
  let dir: string;
  let modelFile: string;

  beforeAll(async () => {
    registerAllPlugins();
    dir = await fs.mkdtemp(path.join(os.tmpdir(), 'collabopt-cli-'));
    const b = new GraphBuilder('tiny', { seed: 5 });
    const x = b.input('input', [-1, 8, 8, 1]);
    let h = b.layer('Conv2D', 'conv', x, { filters: 8, kernelSize: [3, 3], activation: 'relu' });
    h = b.layer('Flatten', 'flatten', h);
    const g = b.build(b.layer('Dense', 'logits', h, { units: 4 }));
    modelFile = path.join(dir, 'tiny.tflite');
    await writeModel(g, modelFile);
  });
  afterAll(async () => {
    await fs.rm(dir, { recursive: true, force: true });
  });

  it('prints usage and rejects unknown commands and options with exit code 2', async () => {
    const a = io();
    expect(await runCli(['--help'], a.io)).toBe(0);
    expect(a.out()).toContain('collabopt optimize <in> -o <out> -p <pipeline>');
    const b = io();
    expect(await runCli(['frobnicate'], b.io)).toBe(2);
    expect(b.err()).toContain('error [INVALID_ARGUMENT]: unknown command "frobnicate"');
    const c = io();
    expect(await runCli(['inspect', '--colour'], c.io)).toBe(2);
    expect(c.err()).toContain("Unknown option '--colour'");
    const d = io();
    expect(await runCli(['optimize', modelFile, '-o', path.join(dir, 'x.tflite')], d.io)).toBe(2);
    expect(d.err()).toContain('missing --pipeline');
  });

  it('inspects a model file', async () => {
    const a = io();
    expect(await runCli(['inspect', modelFile], a.io)).toBe(0);
    expect(a.out()).toMatch(/tflite "tiny"/);
    expect(a.out()).toMatch(/conv\s+Conv2D\s+\[\?, 6, 6, 8\]\s+80/);
  });

  it('writes the inspected model as an HTML report, and its data as JSON', async () => {
    const a = io();
    const html = path.join(dir, 'inspect.html');
    const json = path.join(dir, 'inspect.json');
    expect(await runCli(['inspect', modelFile, '--report', html], a.io)).toBe(0);
    expect(
      await runCli(['inspect', modelFile, '--report', json, '--report-layer', 'conv'], a.io),
    ).toBe(0);
    const page = await fs.readFile(html, 'utf8');
    expect(page).toMatch(/^<!doctype html>/);
    expect(page).toContain('data-chart="density"');
    const model = JSON.parse(await fs.readFile(json, 'utf8'));
    expect(
      model.layers[0].rows.map((r: { node: string; slot: string }) => `${r.node}/${r.slot}`),
    ).toEqual(['conv/kernel', 'conv/bias', 'logits/kernel', 'logits/bias']);
    expect(model.density.node).toBe('conv'); // --report-layer; the largest kernel is logits'
    expect(model.metadata.reproduce).toBe(
      `collabopt inspect ${modelFile} --report ${json} --report-layer conv`,
    );
    expect(await runCli(['inspect', modelFile, '--report', path.join(dir, 'r.pdf')], a.io)).toBe(2);
    expect(a.err()).toMatch(/must end in \.html or \.json/);
  });

  it('reports a missing file as a typed error naming it', async () => {
    const a = io();
    expect(await runCli(['inspect', path.join(dir, 'nope.tflite')], a.io)).toBe(2);
    expect(a.err()).toMatch(/error \[FILE_NOT_READABLE\].*nope\.tflite/);
  });

  it('converts between formats', async () => {
    const a = io();
    const out = path.join(dir, 'tiny.onnx');
    expect(await runCli(['convert', modelFile, out], a.io)).toBe(0);
    const g = await readModel(out);
    expect(g.nodes.map((n) => n.op)).toEqual(expect.arrayContaining(['Conv2D', 'Dense']));
  });

  it('optimizes with a one-shot text pipeline and keeps every contract', async () => {
    const a = io();
    const out = path.join(dir, 'opt.tflite');
    const code = await runCli(
      [
        'optimize',
        modelFile,
        '-o',
        out,
        '--data',
        'none',
        '-p',
        'prune(sparsity=0.5, oneShot=true) | sparsityPreservingCluster(clusters=4, oneShot=true)',
        '--report',
        path.join(dir, 'opt.html'),
      ],
      a.io,
    );
    expect(a.err()).not.toContain('unexpected');
    expect(code).toBe(0);
    expect(a.out()).toMatch(/^prune\s/m);
    const g = await readModel(out);
    const k = g.node('logits').weight('kernel').tensor.data as Float32Array;
    const zeros = k.filter((v) => v === 0).length;
    expect(zeros / k.length).toBeGreaterThanOrEqual(0.5);
    expect(new Set(k).size).toBeLessThanOrEqual(4);
    // the report follows the kernel through every pass: input, prune, clustering
    const page = await fs.readFile(path.join(dir, 'opt.html'), 'utf8');
    const report = JSON.parse(
      /<script type="application\/json" id="collabopt-report-data">(.*?)<\/script>/s.exec(
        page,
      )![1]!,
    );
    expect(report.leaves[0].path).toEqual(['input', '1-prune', '2-sparsityPreservingCluster']);
    const last = report.density.stages[2];
    expect(last.spikes.length).toBeLessThanOrEqual(4);
    expect(last.zeros / last.count).toBeGreaterThanOrEqual(0.5);
    expect(report.leaves[0].rawBytes).toBe((await fs.stat(out)).size);
  });

  it('refuses to overwrite the input file', async () => {
    const a = io();
    expect(await runCli(['convert', modelFile, modelFile], a.io)).toBe(2);
    expect(a.err()).toContain('WRITE_WOULD_OVERWRITE_INPUT');
  });

  it('requires --data for a user model and lists the accepted forms', async () => {
    const a = io();
    const out = path.join(dir, 'never.tflite');
    expect(await runCli(['optimize', modelFile, '-o', out, '-p', 'ptq(mode=int8)'], a.io)).toBe(2);
    expect(a.err()).toMatch(
      /missing --data.*mnist, fashion-mnist.*image folder.*\.npy.*\.npz.*idx.*none/,
    );
    const b = io();
    expect(await runCli(['tree', modelFile, '-o', dir], b.io)).toBe(2);
    expect(b.err()).toContain('missing --data');
    const c = io();
    expect(
      await runCli(['optimize', modelFile, '-o', out, '-p', 'ptq', '--data', '/no/such/dir'], c.io),
    ).toBe(2);
    expect(c.err()).toMatch(/DATA_NOT_FOUND.*no such data set.*image folder.*file \/no\/such\/dir/);
    const d = io();
    expect(
      await runCli(
        [
          'optimize',
          modelFile,
          '-o',
          out,
          '-p',
          'ptq',
          '--data',
          'none',
          '--preprocess',
          'scale=x',
        ],
        d.io,
      ),
    ).toBe(2);
    expect(d.err()).toContain('preprocessing: scale "x" is not a number');
  });

  it('legalizes for the output format before any pass runs, and says so', async () => {
    const b = new GraphBuilder('bn', { seed: 2 });
    const x = b.input('input', [-1, 6, 6, 1]);
    let h = b.layer('Conv2D', 'conv', x, { filters: 3, kernelSize: [3, 3], useBias: false });
    h = b.layer('BatchNorm', 'bn', h, {});
    h = b.layer('Flatten', 'flatten', h);
    const g = b.build(b.layer('Dense', 'probs', h, { units: 2, activation: 'softmax' }));
    const keras = path.join(dir, 'bn.json');
    await writeModel(g, keras);
    const a = io();
    const tfl = path.join(dir, 'bn.tflite');
    expect(await runCli(['convert', keras, tfl], a.io)).toBe(0);
    expect(a.err()).toContain('legalize: BatchNorm "bn" folded into "conv"');
    expect((await readModel(tfl)).nodes.map((n) => n.op)).not.toContain('BatchNorm');
    // int8: the softmax is split out of the Dense layer before the pipeline runs
    const c = io();
    const q = path.join(dir, 'bn-int8.tflite');
    const code = await runCli(
      [
        'optimize',
        keras,
        '-o',
        q,
        '--data',
        'none',
        '-p',
        'ptq(mode=dynamic)',
        '--report',
        path.join(dir, 'r.json'),
      ],
      c.io,
    );
    expect(c.err()).not.toContain('error');
    expect(code).toBe(0);
    const report = JSON.parse(await fs.readFile(path.join(dir, 'r.json'), 'utf8')) as {
      legalization: unknown[];
      bytes: number;
      deflatedBytes: number;
    };
    expect(report.bytes).toBe((await fs.stat(q)).size);
    expect(report.deflatedBytes).toBeGreaterThan(0);
  });

  it('fails in under a second, naming node, reason and fix, when the output cannot be written', async () => {
    const b = new GraphBuilder('relu-bn', { seed: 3 });
    const x = b.input('input', [-1, 6, 6, 1]);
    let h = b.layer('Conv2D', 'conv', x, { filters: 3, kernelSize: [3, 3], activation: 'relu' });
    h = b.layer('BatchNorm', 'bn', h, {});
    const keras = path.join(dir, 'relu-bn.json');
    await writeModel(b.build(b.layer('Flatten', 'flatten', h)), keras);
    const a = io();
    const started = Date.now();
    const code = await runCli(
      [
        'optimize',
        keras,
        '-o',
        path.join(dir, 'x.tflite'),
        '--data',
        'mnist',
        '-p',
        'prune(sparsity=0.5, epochs=5) | ptq',
      ],
      a.io,
    );
    expect(Date.now() - started).toBeLessThan(1000);
    expect(code).toBe(2);
    expect(a.err()).toMatch(/OUTPUT_NOT_WRITABLE.*\n.*node "bn".*relu.*fix:/s);
    expect(a.err()).not.toMatch(/^prune/m);
  });

  it('runs a recipe tree on a user model: a failing leaf is reported, the others are written', async () => {
    const b = new GraphBuilder('digits', { seed: 4 });
    const x = b.input('input', [-1, 28, 28, 1]);
    let h = b.layer('Conv2D', 'conv', x, { filters: 4, kernelSize: [3, 3], strides: [2, 2] });
    h = b.layer('Flatten', 'flatten', h);
    const model = path.join(dir, 'digits.json');
    await writeModel(b.build(b.layer('Dense', 'logits', h, { units: 10 })), model);
    const recipe = path.join(dir, 'tree.json');
    await fs.writeFile(
      recipe,
      JSON.stringify({
        branches: [
          { id: 'baseline' },
          { id: 'pruned', from: 'baseline', pipeline: 'prune(sparsity=0.5, oneShot=true)' },
        ],
        leaves: [
          {
            id: 'never',
            from: 'pruned',
            pipeline: 'prune(sparsity=0.6, epochs=1, frequency=100000) | ptq(mode=int8)',
          },
          { id: 'pruned-ptq', from: 'pruned', pipeline: 'ptq(mode=int8)' },
        ],
      }),
    );
    const out = path.join(dir, 'tree-out');
    const reportFile = path.join(dir, 'reports', 'tree.json');
    const a = io();
    const code = await runCli(
      ['tree', model, '--data', 'mnist', '--recipe', recipe, '-o', out, '--report', reportFile],
      a.io,
    );
    expect(a.err()).not.toContain('unexpected');
    expect(code).toBe(0);
    expect(a.out()).toMatch(/never\s+failed: .*never updates the masks/);
    const report = JSON.parse(await fs.readFile(path.join(out, 'tree-report.json'), 'utf8')) as {
      data: { name: string };
      leaves: { id: string; status: string; bytes?: number; kernels?: { sparsity: number } }[];
    };
    expect(report.data.name).toBe('mnist');
    expect(report.leaves.map((l) => [l.id, l.status])).toEqual([
      ['never', 'failed'],
      ['pruned-ptq', 'ok'],
    ]);
    const written = await readModel(path.join(out, 'pruned-ptq.tflite'));
    expect(written.metadata['quantization']).toMatchObject({ mode: 'int8' });
    expect(report.leaves[1]!.bytes).toBe((await fs.stat(path.join(out, 'pruned-ptq.tflite'))).size);
    expect(report.leaves[1]!.kernels!.sparsity).toBeGreaterThanOrEqual(0.5);
    // --report: the report model goes where it says (JSON by its extension), not into the folder
    await expect(fs.stat(path.join(out, 'report.html'))).rejects.toThrow();
    const model_ = JSON.parse(await fs.readFile(reportFile, 'utf8')) as {
      metric: string;
      leaves: { id: string }[];
      layers: { id: string; rows: { node: string; slot: string; weightSqnrDb?: number }[] }[];
    };
    expect(model_.metric).toBe('accuracy');
    expect(model_.leaves.map((l) => l.id)).toEqual(['never', 'pruned-ptq']);
    // the leaf's per-layer table carries the SQNR its ptq pass measured
    const leafTable = model_.layers.find((t) => t.id === 'pruned-ptq')!;
    const conv = leafTable.rows.find((r) => r.node === 'conv' && r.slot === 'kernel')!;
    expect(conv.weightSqnrDb).toBeGreaterThan(20);
    expect(a.out()).toMatch(/int8 sim accuracy/);
  }, 120_000);

  it('never calls the figures of a tree without labels accuracy, in the terminal or the report', async () => {
    const b = new GraphBuilder('digits', { seed: 5 });
    const x = b.input('input', [-1, 28, 28, 1]);
    let h = b.layer('Conv2D', 'conv', x, { filters: 4, kernelSize: [3, 3], strides: [2, 2] });
    h = b.layer('Flatten', 'flatten', h);
    const model = path.join(dir, 'unlabelled.json');
    await writeModel(b.build(b.layer('Dense', 'logits', h, { units: 10 })), model);
    const recipe = path.join(dir, 'one-leaf.json');
    await fs.writeFile(
      recipe,
      JSON.stringify({
        branches: [{ id: 'baseline' }],
        leaves: [{ id: 'baseline-ptq', from: 'baseline', pipeline: 'ptq(mode=int8)' }],
      }),
    );
    const out = path.join(dir, 'unlabelled-tree');
    const reportFile = path.join(out, 'report.json');
    const a = io();
    const code = await runCli(
      [
        'tree',
        model,
        '--data',
        'mnist',
        '--labels',
        'none',
        '--recipe',
        recipe,
        '-o',
        out,
        '--report',
        reportFile,
      ],
      a.io,
    );
    expect(a.err()).not.toContain('unexpected');
    expect(code).toBe(0);
    expect(a.out()).toMatch(/baseline float: the reference \(no labels/);
    // this untrained model's outputs are compared by SQNR (the engine's choice for its logits)
    expect(a.out()).toMatch(/int8 sim SQNR[^\n]*\n[^\n]*\nbaseline-ptq +\d+\.\d dB/);
    expect(a.out()).not.toMatch(/accuracy/);
    const report = JSON.parse(await fs.readFile(reportFile, 'utf8')) as {
      metric: string;
      leaves: { accuracy: { fakeInt8?: number } }[];
    };
    expect(report.metric).toBe('sqnrDb');
    expect(report.leaves[0]!.accuracy.fakeInt8).toBeGreaterThan(20); // dB: int8 stays close
  }, 120_000);

  it("refuses a tree --report over one of the tree's inputs, or where no folder can be, before any work", async () => {
    const b = new GraphBuilder('tiny', { seed: 1 });
    const x = b.input('input', [-1, 4]);
    const model = path.join(dir, 'tiny.json');
    await writeModel(b.build(b.layer('Dense', 'd', x, { units: 2 })), model);
    const before = await fs.readFile(model);
    const overInput = path.join(dir, 'tiny-as-report.json');
    await fs.symlink(model, overInput);
    const a = io();
    const started = Date.now();
    expect(
      await runCli(['tree', model, '--data', 'mnist', '--report', overInput, '-o', dir], a.io),
    ).toBe(2);
    expect(a.err()).toMatch(/WRITE_WOULD_OVERWRITE_INPUT.*--report/);
    expect(await fs.readFile(model)).toEqual(before);
    const c = io();
    const underFile = path.join(model, 'report.html'); // a file is no folder
    expect(
      await runCli(['tree', model, '--data', 'mnist', '--report', underFile, '-o', dir], c.io),
    ).toBe(2);
    expect(c.err()).toMatch(/FILE_NOT_WRITABLE.*is a file, not a folder/);
    expect(Date.now() - started).toBeLessThan(5000);
  });

  it('tree --budget with a 1 s time limit still writes a file within its budget (the first all-int8 candidate always runs); screened candidates, the chosen one re-measured on the whole test set', async () => {
    const b = new GraphBuilder('digits', { seed: 4 });
    const x = b.input('input', [-1, 28, 28, 1]);
    let h = b.layer('Conv2D', 'conv', x, { filters: 4, kernelSize: [3, 3], strides: [2, 2] });
    h = b.layer('Flatten', 'flatten', h);
    const model = path.join(dir, 'budget-digits.json');
    await writeModel(b.build(b.layer('Dense', 'logits', h, { units: 10 })), model);
    const out = path.join(dir, 'budget-tiny-limit');
    const c = io();
    const code = await runCli(
      [
        'tree',
        model,
        '--data',
        'mnist',
        '--budget',
        '100',
        '--time-limit',
        '1',
        '--screen-samples',
        '100',
        '-o',
        out,
      ],
      c.io,
    );
    expect(c.err()).not.toContain('unexpected');
    expect(code).toBe(0);
    const report = JSON.parse(await fs.readFile(path.join(out, 'budget-report.json'), 'utf8')) as {
      chosen: {
        id: string;
        drop: number;
        bytes: number;
        floatLayers: string[];
        screen: { samples: number; verdict: string };
        full: { drop: number; samples: number };
      };
      candidates: { id: string }[];
      screenSamples: number;
      rechecks: number;
    };
    // a 100-point budget: every candidate is "within" on the subset; the chosen one still gets its
    // full-set figure before it is written
    expect(report.screenSamples).toBe(100);
    expect(report.chosen.screen).toMatchObject({ samples: 100, verdict: 'within' });
    expect(report.chosen.full.samples).toBeGreaterThan(100);
    expect(report.chosen.drop).toBe(report.chosen.full.drop);
    expect(report.rechecks).toBeGreaterThanOrEqual(1);
    expect(c.out()).toContain('int8 sim, subset 100');
    expect(report.candidates.length).toBeGreaterThanOrEqual(1);
    expect(report.chosen.drop).toBeLessThanOrEqual(100);
    expect((await fs.stat(path.join(out, 'budget.tflite'))).size).toBe(report.chosen.bytes);
    expect(c.out()).toContain('counted after the sensitivity pass');
    expect(c.out()).toMatch(/chosen c\d+ .*budget\.tflite/);
  });

  it('tree --budget and sensitivity: bad budget, objective or options are exit 2 before any work', async () => {
    const out = path.join(dir, 'budget-out');
    const cases: [string[], RegExp][] = [
      [['tree', modelFile, '--budget=-1', '-o', out], /--budget is a drop in accuracy points/],
      [['tree', modelFile, '--budget', 'x', '-o', out], /--budget must be a number/],
      [
        ['tree', modelFile, '--budget', '1', '--objective', 'gzip', '-o', out],
        /--objective must be raw or zip/,
      ],
      [
        ['tree', modelFile, '--budget', '1', '--sparsity', '0.5', '-o', out],
        /--sparsity does not apply/,
      ],
      [
        ['tree', modelFile, '--objective', 'raw', '-o', out],
        /--objective applies to tree --budget only/,
      ],
      [
        ['tree', modelFile, '--screen-samples', '100', '-o', out],
        /--screen-samples applies to tree --budget only/,
      ],
      [['optimize', modelFile, '--budget', '1'], /--budget does not apply to optimize/],
      [['sensitivity', modelFile, '-p', 'ptq'], /--pipeline does not apply to sensitivity/],
      [['sensitivity', modelFile, '--budget', '1'], /--budget does not apply to sensitivity/],
    ];
    for (const [args, message] of cases) {
      const r = io();
      expect([args.join(' '), await runCli(args, r.io)]).toEqual([args.join(' '), 2]);
      expect(r.err()).toMatch(message);
    }
  });
});
