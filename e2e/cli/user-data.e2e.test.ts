/**
 * `collabopt tree my_model.json --data my_images/` and `optimize --data folder --labels none`, as a
 * user runs them: a Layers model.json written by the test and PNG folders written at run time from
 * the embedded MNIST digits (one subfolder per class, and a flat unlabelled one).
 */
import { mkdirSync, promises as fs } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import sharp from 'sharp';
import { CollaboptError, GraphBuilder, writeModel, type Graph } from '@collabopt/core';
import { optimizeCommand, registerAllPlugins, treeCommand } from '@collabopt/cli';
import { getEngine, loadMnistDigits } from '@collabopt/engine';
import { capturedIo as quietIo } from '../../packages/cli/test/captured-io';
import { runPython } from '../helpers/oracle';

/** A tiny Keras-style classifier with a softmax head (as a user's model.json usually has). */
function tinyClassifier(): Graph {
  const b = new GraphBuilder('tiny_classifier', { seed: 0 });
  const x = b.input('input', [-1, 28, 28, 1]);
  let h = b.layer('Conv2D', 'conv', x, { filters: 8, kernelSize: [3, 3], activation: 'relu' });
  h = b.layer('MaxPool2D', 'pool', h, { poolSize: [2, 2] });
  h = b.layer('Flatten', 'flatten', h);
  return b.build(b.layer('Dense', 'probabilities', h, { units: 10, activation: 'softmax' }));
}

const PER_CLASS = 20; // 200 images: 160 train (more than a QAT batch of 128), 40 held out

/** Test digits as 28×28 grayscale PNGs: `labelled` puts each in a subfolder named by its class. */
async function writeDigits(dir: string, labelled: boolean): Promise<string> {
  const { test } = loadMnistDigits();
  const seen = new Array<number>(10).fill(0);
  for (let j = 0; j < test.count && seen.some((n) => n < PER_CLASS); j++) {
    const c = test.y[j]!;
    if (seen[c]! >= PER_CLASS) continue;
    seen[c]!++;
    const folder = labelled ? path.join(dir, `digit-${c}`) : dir;
    mkdirSync(folder, { recursive: true });
    const pixels = Buffer.from(
      Array.from(test.x.subarray(j * 784, (j + 1) * 784), (v) => Math.round(v * 255)),
    );
    await sharp(pixels, { raw: { width: 28, height: 28, channels: 1 } })
      .png()
      .toFile(path.join(folder, `${String(j).padStart(5, '0')}.png`));
  }
  return dir;
}

describe('a user model with a user image folder', () => {
  let root: string;
  let model: string;
  let labelled: string;
  let flat: string;

  beforeAll(async () => {
    registerAllPlugins();
    root = await fs.mkdtemp(path.join(os.tmpdir(), 'collabopt-user-data-'));
    // The user's model, trained briefly on 2000 digits and saved as a Layers model.json.
    const graph = tinyClassifier();
    const { train } = loadMnistDigits();
    const engine = await getEngine();
    const n = 2000;
    await engine.fit(
      graph,
      { ...train, x: train.x.subarray(0, n * 784), y: train.y.subarray(0, n), count: n },
      { epochs: 1, batchSize: 64, optimizer: 'adam', learningRate: 5e-3, seed: 0 },
    );
    model = (await writeModel(graph, path.join(root, 'model', 'model.json')))[0]!;
    labelled = await writeDigits(path.join(root, 'labelled'), true);
    flat = await writeDigits(path.join(root, 'flat'), false);
  });

  afterAll(async () => {
    await fs.rm(root, { recursive: true, force: true });
  });

  const knobs = { seed: 0, epochs: 1, pruneEpochs: 1, clusterEpochs: 1, qatEpochs: 1 };

  it('tree on a class-per-subfolder image folder reports accuracy on the held-out split', async () => {
    const { io } = quietIo();
    const out = path.join(root, 'tree-labelled');
    const report = await treeCommand(model, { ...knobs, data: labelled, output: out }, io);
    expect(report.leaves.length).toBe(8);
    for (const leaf of report.leaves) {
      expect([leaf.id, leaf.status, leaf.error?.message]).toEqual([leaf.id, 'ok', undefined]);
      expect(leaf.metric?.kind).toBe('accuracy');
      expect(leaf.metric?.samples).toBe(40); // 20% of 200 images, seeded split
      await fs.access(path.join(out, leaf.files[0]!.path));
    }
    expect(report.baseline?.kind).toBe('accuracy');
    // a model trained on 2000 digits, on 40 held-out digits: far above chance (10%)
    expect(report.baseline!.value).toBeGreaterThan(0.5);
  });

  it('tree on a flat image folder distils from the float model and reports agreement', async () => {
    const { io } = quietIo();
    const out = path.join(root, 'tree-flat');
    const report = await treeCommand(model, { ...knobs, data: flat, output: out }, io);
    expect(report.baseline).toBeNull();
    for (const leaf of report.leaves) {
      expect([leaf.id, leaf.status, leaf.error?.message]).toEqual([leaf.id, 'ok', undefined]);
      expect(leaf.metric?.kind).toBe('agreement');
      expect(leaf.metric!.value).toBeGreaterThan(0.5);
    }
  });

  it('tree with --labels none on a labelled folder measures agreement, not accuracy', async () => {
    const { io } = quietIo();
    const out = path.join(root, 'tree-nolabels');
    const report = await treeCommand(
      model,
      {
        ...knobs,
        data: labelled,
        labels: 'none',
        output: out,
      },
      io,
    );
    expect(report.leaves.every((l) => l.metric?.kind === 'agreement')).toBe(true);
  });

  it('optimize --labels none runs prune | pqat by distillation, writes an int8 file and reports agreement', async () => {
    const { io, text: printed } = quietIo();
    const output = path.join(root, 'opt', 'small.tflite');
    const reportFile = path.join(root, 'opt', 'report.json');
    const report = await optimizeCommand(
      model,
      {
        pipeline: 'prune(sparsity=0.5, frequency=1, epochs=1) | pqat(epochs=1)',
        output,
        data: flat,
        labels: 'none',
        seed: 0,
        report: reportFile,
      },
      io,
    );
    expect(report.data.labelled).toBe(false);
    expect(report.data.validationSplit).toBe(0.2);
    expect(report.accuracy).toBeNull();
    expect((await fs.stat(output)).size).toBeGreaterThan(0);
    // Agreement with the float input model (the reference, not measured against itself) on the
    // 40 held-out images: the pruned int8 classifier agrees on most top-1 classes (float IR, int8).
    const agreement = report.agreement!;
    expect(agreement.samples).toBe(40);
    expect(agreement.reference).toBe('input model (float, before the pipeline)');
    expect(agreement).not.toHaveProperty('before');
    for (const after of [agreement.after, agreement.afterInt8!]) {
      expect(after.metric.name).toBe('top1Agreement');
      expect(after.metric.value).toBeGreaterThan(0.5);
      expect(after.metric.value).toBeLessThanOrEqual(1);
      const [probabilities] = after.outputs;
      expect(probabilities!.top1Agreement).toBe(after.metric.value);
      expect(probabilities!.sqnrDb).toBeGreaterThan(0);
      expect(probabilities!.maxRelativeError).toBeGreaterThan(0);
    }
    const text = printed();
    expect(text).toMatch(
      /agreement with the input model \(40 held-out samples .*\): after, float IR: top-1 agreement \d+\.\d\d% \(SQNR/,
    );
    expect(text).toMatch(/after, int8 simulation: top-1 agreement/);
    expect(text).not.toMatch(/: before |it is the reference/);
    expect(text).not.toMatch(/accuracy/);
    const json = JSON.parse(await fs.readFile(reportFile, 'utf8')) as typeof report;
    expect(json.agreement?.afterInt8?.metric).toEqual(agreement.afterInt8!.metric);
    expect(json.data.validationSplit).toBe(0.2);
  });

  it('optimize --labels none --report x.html shows the agreement panel with the same figures', async () => {
    const { io } = quietIo();
    const reportFile = path.join(root, 'opt-html', 'report.html');
    const report = await optimizeCommand(
      model,
      {
        pipeline: 'ptq(mode=int8)',
        output: path.join(root, 'opt-html', 'small.tflite'),
        data: flat,
        labels: 'none',
        seed: 0,
        report: reportFile,
      },
      io,
    );
    const agreement = report.agreement!;
    const html = await fs.readFile(reportFile, 'utf8');
    expect(html).toContain('<section id="agreement">');
    const embedded =
      /<script type="application\/json" id="collabopt-report-data">(.*?)<\/script>/s.exec(
        html,
      )![1]!;
    expect((JSON.parse(embedded) as { agreement: unknown }).agreement).toEqual(agreement);
    for (const [model, figures] of [
      ['float', agreement.after],
      ['int8', agreement.afterInt8!],
    ] as const) {
      const [output] = figures.outputs;
      const row = new RegExp(
        `<tr data-model="${model}" data-output="${output!.output}">(.*?)</tr>`,
      ).exec(html)![1]!;
      expect(row).toContain(`data-field="top1Agreement" data-value="${output!.top1Agreement}"`);
      expect(row).toContain(`data-field="sqnrDb" data-value="${output!.sqnrDb}"`);
    }
  });

  it('--validation-split sets the held-out part; an impossible one is a typed error before any pass', async () => {
    const { io } = quietIo();
    const output = path.join(root, 'opt-split', 'small.tflite');
    const report = await optimizeCommand(
      model,
      { pipeline: 'ptq(mode=int8)', output, data: labelled, validationSplit: 0.3, seed: 0 },
      io,
    );
    expect(report.data.validationSplit).toBe(0.3);
    expect(report.accuracy?.samples).toBe(60); // 30% of 200 images
    // 0.5 of 200 leaves 100 training images, fewer than prune's batch of 128.
    const tooSmall = await optimizeCommand(
      model,
      {
        pipeline: 'prune(sparsity=0.5)',
        output: path.join(root, 'never-split', 'small.tflite'),
        data: labelled,
        validationSplit: 0.5,
        seed: 0,
      },
      io,
    ).catch((e: unknown) => e);
    expect(tooSmall).toBeInstanceOf(CollaboptError);
    expect((tooSmall as CollaboptError).code).toBe('DATA_TOO_SMALL');
    expect((tooSmall as Error).message).toMatch(/100 training samples \(at least 128 needed\)/);
    await expect(fs.access(path.join(root, 'never-split', 'small.tflite'))).rejects.toThrow();
    for (const bad of [0, 1, 1.5, -0.1])
      await expect(
        optimizeCommand(
          model,
          { pipeline: 'ptq(mode=int8)', output, data: labelled, validationSplit: bad, seed: 0 },
          io,
        ),
      ).rejects.toMatchObject({ code: 'INVALID_ARGUMENT' });
    // The tree reads it from its recipe too, and records it.
    const recipe = path.join(root, 'split-recipe.json');
    await fs.writeFile(
      recipe,
      JSON.stringify({ validationSplit: 0.25, pruneEpochs: 1, clusterEpochs: 1, qatEpochs: 1 }),
    );
    const tree = await treeCommand(
      model,
      { seed: 0, epochs: 1, data: labelled, output: path.join(root, 'tree-split'), recipe },
      io,
    );
    expect(tree.data?.validationSplit).toBe(0.25);
    expect(tree.leaves.every((l) => l.metric?.samples === 50)).toBe(true);
  });

  it('optimize --data file.npz (x uint8, y) fine-tunes with labels and reports accuracy', async () => {
    // 300 digits as numpy arrays, written by numpy itself (the oracle venv)
    const { test } = loadMnistDigits();
    const n = 300;
    const raw = path.join(root, 'digits.bin');
    await fs.writeFile(
      raw,
      Buffer.concat([
        Buffer.from(Array.from(test.x.subarray(0, n * 784), (v) => Math.round(v * 255))),
        Buffer.from(Array.from(test.y.subarray(0, n))),
      ]),
    );
    const npz = path.join(root, 'digits.npz');
    const script = path.join(root, 'write_npz.py');
    await fs.writeFile(
      script,
      [
        'import sys, numpy as np',
        'b = np.fromfile(sys.argv[1], dtype=np.uint8); n = int(sys.argv[3])',
        'np.savez_compressed(sys.argv[2], x=b[: n * 784].reshape(n, 28, 28, 1), y=b[n * 784 :].astype(np.int64))',
      ].join('\n'),
    );
    runPython(script, [raw, npz, String(n)]);
    const { io } = quietIo();
    const output = path.join(root, 'opt-npz', 'small.tflite');
    const report = await optimizeCommand(
      model,
      {
        pipeline: 'prune(sparsity=0.5, frequency=1, epochs=1) | pqat(epochs=1)',
        output,
        data: npz,
        seed: 0,
      },
      io,
    );
    expect(report.data.labelled).toBe(true);
    expect(report.accuracy?.samples).toBe(60); // the seeded 20% held out
    expect(report.accuracy!.before).toBeGreaterThan(0.5);
    expect((await fs.stat(output)).size).toBeGreaterThan(0);
  });

  it('optimize --data <folder of idx files> uses its t10k part as the test set', async () => {
    const { test } = loadMnistDigits();
    const dir = path.join(root, 'idx');
    mkdirSync(dir);
    const header = (magic: number, dims: number[]): Buffer => {
      const b = Buffer.alloc(4 + 4 * dims.length);
      b.writeUInt32BE(magic, 0);
      dims.forEach((v, i) => b.writeUInt32BE(v, 4 + 4 * i));
      return b;
    };
    for (const [prefix, from, n] of [
      ['train', 0, 300],
      ['t10k', 300, 100],
    ] as const) {
      const pixels = Array.from(test.x.subarray(from * 784, (from + n) * 784), (v) =>
        Math.round(v * 255),
      );
      await fs.writeFile(
        path.join(dir, `${prefix}-images-idx3-ubyte`),
        Buffer.concat([header(0x803, [n, 28, 28]), Buffer.from(pixels)]),
      );
      await fs.writeFile(
        path.join(dir, `${prefix}-labels-idx1-ubyte`),
        Buffer.concat([header(0x801, [n]), Buffer.from(test.y.subarray(from, from + n))]),
      );
    }
    const { io } = quietIo();
    const output = path.join(root, 'opt-idx', 'small.tflite');
    const report = await optimizeCommand(
      model,
      { pipeline: 'ptq(mode=int8)', output, data: dir, seed: 0 },
      io,
    );
    expect(report.accuracy?.samples).toBe(100);
    expect(report.accuracy!.before).toBeGreaterThan(0.5);
  });

  it('bad data is a typed error naming the file before any pass runs', async () => {
    const { io } = quietIo();
    const missing = path.join(root, 'no-such-folder');
    const err = await treeCommand(
      model,
      { ...knobs, data: missing, output: path.join(root, 'never') },
      io,
    ).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(CollaboptError);
    expect((err as Error).message).toContain('no-such-folder');
    await expect(fs.access(path.join(root, 'never', 'tree-report.json'))).rejects.toThrow();
  });
});
