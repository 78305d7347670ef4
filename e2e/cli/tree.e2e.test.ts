/**
 * The README's main job (`npm start` = `collabopt tree` on the embedded MNIST digits), end to end:
 * every leaf of the deployment tree is written as an int8 TFLite file, run by the TFLite runtime
 * (WASM), and keeps what its branch established.
 */
import { promises as fs } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { PassThrough } from 'node:stream';
import { readModel } from '@collabopt/core';
import { registerAllPlugins, treeCommand } from '@collabopt/cli';
import { loadMnistDigits } from '@collabopt/engine';
import {
  runTfInterpreter,
  runTfjsTflite,
  type Job,
  type JobResult,
} from '../format-tflite/runtimes';

/** Top-1 accuracy of a runtime's outputs against the labels. */
function accuracy(result: JobResult, labels: Int32Array): number {
  if (result.error) throw new Error(result.error);
  let correct = 0;
  result.samples.forEach((outs, i) => {
    const logits = outs[0]!.data;
    const best = logits.indexOf(Math.max(...logits));
    if (best === labels[i]) correct++;
  });
  return correct / result.samples.length;
}

describe('collabopt tree on the embedded digits', () => {
  it('builds, quantizes, exports and runs every leaf of the deployment tree', async () => {
    registerAllPlugins();
    const out = await fs.mkdtemp(path.join(os.tmpdir(), 'collabopt-tree-'));
    const sink = new PassThrough();
    sink.resume();
    const io = {
      stdout: sink as unknown as NodeJS.WriteStream,
      stderr: sink as unknown as NodeJS.WriteStream,
      signal: new AbortController().signal,
    };
    try {
      const report = await treeCommand(undefined, { seed: 0, epochs: 1, output: out }, io);
      const leaves = report.leaves;
      expect(leaves.map((l) => [l.id, l.status])).toEqual([
        ['baseline-ptq', 'ok'],
        ['baseline-qat', 'ok'],
        ['pruned-ptq', 'ok'],
        ['pruned-pqat', 'ok'],
        ['pruned-clustered-ptq', 'ok'],
        ['pruned-clustered-pcqat', 'ok'],
        ['clustered-ptq', 'ok'],
        ['clustered-cqat', 'ok'],
      ]);
      // Each exported int8 file, run by real runtimes (TF 2.21's interpreter and the TFLite WASM
      // build in a child process: its shim cannot run inside jest's sandbox) on 300 test digits.
      const test = loadMnistDigits().test;
      const n = 300;
      const samples = Array.from({ length: n }, (_, i) => [
        { data: test.x.subarray(i * 784, (i + 1) * 784), shape: [1, 28, 28, 1] },
      ]);
      const jobs: Job[] = [];
      for (const l of leaves)
        jobs.push({
          model: new Uint8Array(await fs.readFile(path.join(out, l.files[0]!.path))),
          samples,
        });
      const tf = runTfInterpreter(jobs);
      const wasm = runTfjsTflite(jobs);
      leaves.forEach((l, j) => {
        const a = accuracy(tf[j]!, test.y);
        expect(a).toBeGreaterThan(0.85);
        expect(accuracy(wasm[j]!, test.y)).toBe(a); // two runtimes, identical int8 results
        expect(Math.abs(a - l.metric!.value)).toBeLessThan(0.04); // 300 samples vs the full test set
      });
      const byId = new Map(leaves.map((l) => [l.id, l]));
      for (const id of [
        'pruned-ptq',
        'pruned-pqat',
        'pruned-clustered-ptq',
        'pruned-clustered-pcqat',
      ]) {
        expect(byId.get(id)!.kernels!.sparsity).toBeGreaterThanOrEqual(0.49);
      }
      for (const id of [
        'pruned-clustered-ptq',
        'pruned-clustered-pcqat',
        'clustered-ptq',
        'clustered-cqat',
      ]) {
        expect(byId.get(id)!.kernels!.maxUniquePerChannel).toBeLessThanOrEqual(16);
      }
      // the fully optimized leaf is the smallest after compression
      const deflated = leaves.map((l) => l.deflatedBytes!);
      expect(byId.get('pruned-clustered-pcqat')!.deflatedBytes).toBeLessThan(
        byId.get('baseline-qat')!.deflatedBytes! * 0.7,
      );
      expect(Math.min(...deflated)).toBeGreaterThan(0);
      // sizes are the written files' sizes
      for (const l of leaves)
        expect(l.bytes).toBe((await fs.stat(path.join(out, l.files[0]!.path))).size);
      // the written file reads back as an int8 graph
      const g = await readModel(path.join(out, 'pruned-clustered-pcqat.tflite'));
      expect(g.metadata['quantization']).toMatchObject({ mode: 'int8' });
      expect(
        JSON.parse(await fs.readFile(path.join(out, 'tree-report.json'), 'utf8')).leaves,
      ).toHaveLength(8);
    } finally {
      await fs.rm(out, { recursive: true, force: true });
    }
  }, 900_000);
});
