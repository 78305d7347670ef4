/**
 * Issue #17's done-when for the accuracy budget: `collabopt tree --data fashion-mnist --budget 1`
 * writes a file whose accuracy, run by TensorFlow's own TFLite interpreter on the 10,000 test
 * images, is within the budget of the float model; the file is smaller than the plain int8 PTQ
 * candidate (first candidate of the search) or equal to it, and the Pareto front holds the choice.
 * The search is bounded by --time-limit (no new candidate after it). It screens candidates on the
 * CLI's default 2,000 test images: the chosen one must carry its re-measured figure on all 10,000.
 */
import { promises as fs } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { PassThrough } from 'node:stream';
import { registerAllPlugins, treeBudgetCommand } from '@collabopt/cli';
import { runPython } from '../helpers/oracle';

const FASHION = '/usr/share/datasets/fashion-mnist';

it('tree --budget 1 on Fashion-MNIST: the chosen file is within budget in the TF interpreter', async () => {
  await fs.access(FASHION);
  registerAllPlugins();
  const out = await fs.mkdtemp(path.join(os.tmpdir(), 'collabopt-budget-'));
  const lines: string[] = [];
  const sink = new PassThrough();
  sink.on('data', (d: Buffer) => lines.push(d.toString()));
  const io = {
    stdout: sink as unknown as NodeJS.WriteStream,
    stderr: sink as unknown as NodeJS.WriteStream,
    signal: new AbortController().signal,
  };
  const budget = 1;
  const t0 = Date.now();
  // The time limit counts from the end of the sensitivity pass (which took ~1–2 min of the old
  // 90 s on a loaded machine): 30 s of search keeps the suite's wall time about where it was.
  const result = await treeBudgetCommand(
    undefined,
    { seed: 0, epochs: 1, output: out, data: 'fashion-mnist', budget, timeLimit: 30 },
    io,
  );
  const seconds = (Date.now() - t0) / 1000;
  expect(result.chosen).toBeDefined();
  const file = path.join(out, 'budget.tflite');
  const bytes = await fs.readFile(file);
  expect(bytes.length).toBe(result.chosen!.bytes);
  const acc = (
    JSON.parse(
      runPython(path.join(__dirname, '../../tools/bench/size/fashion_mnist_accuracy.py'), [file])
        .stdout,
    ) as Record<string, number>
  )[file]!;
  const drop = (result.baseline - acc) * 100;
  console.log(
    `tree --budget ${budget}: float ${(result.baseline * 100).toFixed(2)}%, chosen ${result.chosen!.id} (${result.chosen!.pipeline}) TF interpreter ${(acc * 100).toFixed(2)}% (drop ${drop.toFixed(2)} points; int8 sim ${(result.chosen!.metric * 100).toFixed(2)}% on all, ${((result.chosen!.screen?.metric ?? NaN) * 100).toFixed(2)}% on the subset), ${result.chosen!.bytes} B raw / ${result.chosen!.zipBytes} B zip vs all-int8 ${result.candidates[0]!.bytes} / ${result.candidates[0]!.zipBytes}; ${result.candidates.length} candidates, search ${result.seconds.toFixed(0)} s, command ${seconds.toFixed(0)} s${result.stoppedByTime ? ' (time limit hit)' : ''}\n${lines.join('')}`,
  );
  expect(drop).toBeLessThanOrEqual(budget);
  expect(result.chosen!.zipBytes).toBeLessThanOrEqual(result.candidates[0]!.zipBytes);
  expect(result.pareto.map((c) => c.id)).toContain(result.chosen!.id);
  const report = JSON.parse(await fs.readFile(path.join(out, 'budget-report.json'), 'utf8'));
  expect(report.chosen.id).toBe(result.chosen!.id);
  // screened on a subset, re-measured on the whole test set before it was written
  expect(report.screenSamples).toBe(2000);
  expect(report.chosen.screen.samples).toBe(2000);
  expect(report.chosen.full.samples).toBe(10000);
  expect(report.chosen.full.drop).toBeLessThanOrEqual(budget);
}, 900_000);
