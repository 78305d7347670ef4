/**
 * A MobileNet-v1-style model (depthwise-separable blocks, BatchNorm, ReLU6, Dense softmax head)
 * trained by Keras in the oracle venv on a Fashion-MNIST subset, read as a TF.js Layers
 * model.json, runs through the whole deployment tree from the command line with `--data <idx
 * folder>`: every leaf is built (BatchNorm folds into clustered kernels, the softmax is split for
 * int8), written as int8 TFLite and run in TensorFlow's TFLite interpreter.
 */
import { mkdtempSync, promises as fs, rmSync, writeFileSync } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { runCli } from '@collabopt/cli';
import type { TreeReport } from '@collabopt/preserve';
import { loadFashionMnist, type Dataset } from '@collabopt/engine';
import { capturedIo } from '../../packages/cli/test/captured-io';
import { runPython } from '../helpers/oracle';
import { expectBranchStructureKept, expectEveryLeafOk } from '../helpers/tree-leaves';
import { runTfInterpreter, type Job } from '../format-tflite/runtimes';

const TRAIN = 2000;
const TEST = 300;

/** Write the first `n` samples of a [0, 1] 28×28 data set as an MNIST idx pair (raw uint8). */
function writeIdx(dir: string, prefix: string, d: Dataset, n: number): void {
  const header = (magic: number, dims: number[]): Buffer => {
    const b = Buffer.alloc(4 + 4 * dims.length);
    b.writeUInt32BE(magic, 0);
    dims.forEach((v, i) => b.writeUInt32BE(v, 4 + 4 * i));
    return b;
  };
  const pixels = Uint8Array.from(d.x.subarray(0, n * 784), (v) => Math.round(v * 255));
  const labels = Uint8Array.from(d.y.subarray(0, n));
  writeFileSync(
    path.join(dir, `${prefix}-images-idx3-ubyte`),
    Buffer.concat([header(0x803, [n, 28, 28]), pixels]),
  );
  writeFileSync(
    path.join(dir, `${prefix}-labels-idx1-ubyte`),
    Buffer.concat([header(0x801, [n]), labels]),
  );
}

describe('collabopt tree on a Keras MobileNet-style model and a Fashion-MNIST idx folder', () => {
  let dir: string;
  afterAll(() => {
    if (!process.env['KEEP_E2E_OUTPUT']) rmSync(dir, { recursive: true, force: true });
  });

  it('builds every leaf and each int8 file runs in the TFLite interpreter', async () => {
    dir = mkdtempSync(path.join(os.tmpdir(), 'collabopt-mobilenet-tree-'));
    const data = path.join(dir, 'data');
    const model = path.join(dir, 'model');
    const out = path.join(dir, 'out');
    await fs.mkdir(data);
    await fs.mkdir(model);
    const fashion = loadFashionMnist();
    writeIdx(data, 'train', fashion.train, TRAIN);
    writeIdx(data, 't10k', fashion.test, TEST);
    const keras = JSON.parse(
      runPython(path.join(__dirname, 'mobilenet_model.py'), [data, model, '2']).stdout.trim(),
    ) as { keras_test_accuracy: number };

    const cli = capturedIo();
    const code = await runCli(
      [
        'tree',
        path.join(model, 'model.json'),
        '--data',
        data,
        '-o',
        out,
        '--prune-epochs',
        '1',
        '--seed',
        '0',
      ],
      cli.io,
    );
    const log = cli.text();
    expect(log).not.toContain('unexpected');
    expect(code).toBe(0);
    expect(log).toContain('legalize: softmax split out of Dense "probs"');
    const report = JSON.parse(
      await fs.readFile(path.join(out, 'tree-report.json'), 'utf8'),
    ) as TreeReport;
    const failures = [...report.branches, ...report.leaves].filter((x) => x.status !== 'ok');
    expect(failures.map((x) => `${x.id}: ${x.error?.code} ${x.error?.message}`)).toEqual([]);
    expectEveryLeafOk(report.leaves);
    // the float baseline in the engine agrees with Keras on the same test images
    expect(Math.abs(report.baseline!.value - keras.keras_test_accuracy)).toBeLessThan(0.01);

    const test = fashion.test;
    const samples = Array.from({ length: TEST }, (_, i) => [
      { data: test.x.subarray(i * 784, (i + 1) * 784), shape: [1, 28, 28, 1] },
    ]);
    const jobs: Job[] = [];
    for (const l of report.leaves)
      jobs.push({
        model: new Uint8Array(await fs.readFile(path.join(out, l.files[0]!.path))),
        samples,
      });
    const results = runTfInterpreter(jobs);
    const rows: string[] = [];
    const accuracies = report.leaves.map((l, j) => {
      const r = results[j]!;
      expect(r.error).toBeUndefined();
      let correct = 0;
      r.samples.forEach((outs, i) => {
        const p = outs[0]!.data;
        if (p.indexOf(Math.max(...p)) === test.y[i]) correct++;
      });
      const accuracy = correct / TEST;
      rows.push(
        `${l.id}: TFLite ${(accuracy * 100).toFixed(1)}%, int8 sim ${(l.metric!.value * 100).toFixed(1)}%, sparsity ${(l.kernels!.sparsity * 100).toFixed(1)}%, codes/channel ${l.kernels!.maxUniquePerChannel}, deflated ${l.deflatedBytes} B`,
      );
      return accuracy;
    });
    process.stdout.write(
      `keras float ${(keras.keras_test_accuracy * 100).toFixed(1)}%\n${rows.join('\n')}\n`,
    );
    report.leaves.forEach((l, j) => {
      const accuracy = accuracies[j]!;
      // the interpreter runs the written file as the engine's int8 simulation predicted
      expect(Math.abs(accuracy - l.metric!.value)).toBeLessThan(0.03);
      if (l.from === 'baseline' || l.from === 'clustered')
        // quantization (and 16 clusters) cost little
        expect(accuracy).toBeGreaterThan(keras.keras_test_accuracy - 0.05);
      // 50% pruning fine-tuned for 1 epoch on 2,000 images costs more; far above chance (10%)
      else expect(accuracy).toBeGreaterThan(0.3);
    });
    expectBranchStructureKept(report.leaves, { minSparsity: 0.4, maxCodesPerChannel: 16 });
  }, 1_200_000);
});
