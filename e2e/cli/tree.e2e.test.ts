/**
 * The README's main job (`npm start` = `collabopt tree` on the embedded MNIST digits), end to end:
 * every leaf of the deployment tree is written as an int8 TFLite file, run by the TFLite runtime
 * (WASM), and keeps what its branch established.
 */
import { promises as fs } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { readModel } from '@collabopt/core';
import { registerAllPlugins, treeCommand } from '@collabopt/cli';
import { loadMnistDigits } from '@collabopt/engine';
import { capturedIo } from '../../packages/cli/test/captured-io';
import { runTfInterpreter, runTfjsTflite } from '../format-tflite/runtimes';
import { batchOneSamples } from '../helpers/interpreter-vs-simulation';
import {
  expectBranchStructureKept,
  expectEveryLeafOk,
  leafJobs,
  top1Accuracy,
} from '../helpers/tree-leaves';

describe('collabopt tree on the embedded digits', () => {
  it('builds, quantizes, exports and runs every leaf of the deployment tree', async () => {
    registerAllPlugins();
    const out = await fs.mkdtemp(path.join(os.tmpdir(), 'collabopt-tree-'));
    const { io } = capturedIo();
    try {
      const report = await treeCommand(undefined, { seed: 0, epochs: 1, output: out }, io);
      const leaves = report.leaves;
      expectEveryLeafOk(leaves);
      // Each exported int8 file, run by real runtimes (TF 2.21's interpreter and the TFLite WASM
      // build in a child process: its shim cannot run inside jest's sandbox) on 300 test digits.
      const test = loadMnistDigits().test;
      const n = 300;
      const jobs = await leafJobs(
        out,
        leaves,
        batchOneSamples(test.x.subarray(0, n * 784), [28, 28, 1]),
      );
      const tf = runTfInterpreter(jobs);
      const wasm = runTfjsTflite(jobs);
      leaves.forEach((l, j) => {
        const a = top1Accuracy(tf[j], test.y);
        expect(a).toBeGreaterThan(0.85);
        expect(top1Accuracy(wasm[j], test.y)).toBe(a); // two runtimes, identical int8 results
        expect(Math.abs(a - l.metric!.value)).toBeLessThan(0.04); // 300 samples vs the full test set
      });
      const byId = new Map(leaves.map((l) => [l.id, l]));
      expectBranchStructureKept(leaves, { minSparsity: 0.49, maxCodesPerChannel: 16 });
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
