/** @jest-environment ./format-onnx/ort-environment.js */
// The scripts in examples/ are documentation that runs: each must exit 0 and print what the docs
// say it prints. They import the built packages (dist), as a user's code would.
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { GraphBuilder, readModel, writeModel } from '@collabopt/core';
import { registerOnnxFormat } from '@collabopt/format-onnx';
import * as ort from 'onnxruntime-node';

const ROOT = join(__dirname, '..', '..');

function run(args: string[]): { status: number | null; stdout: string; stderr: string } {
  const r = spawnSync(process.execPath, args, { cwd: ROOT, encoding: 'utf8', timeout: 240_000 });
  return { status: r.status, stdout: r.stdout, stderr: r.stderr };
}

const tsx = (file: string, ...args: string[]): ReturnType<typeof run> =>
  run(['--import', 'tsx', join('examples', file), ...args]);

describe('examples/', () => {
  let dir: string;
  beforeAll(() => {
    dir = mkdtempSync(join(tmpdir(), 'collabopt-examples-'));
  });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  test('one-shot-pass.ts: a definePass pass after prune in a text pipeline', () => {
    const r = tsx('one-shot-pass.ts');
    expect(r.stderr).toBe('');
    expect(r.status).toBe(0);
    const sparsity = (pass: string): number =>
      Number(new RegExp(`^${pass}\\s+sparsity ([\\d.]+)%$`, 'm').exec(r.stdout)![1]);
    expect(sparsity('prune')).toBeGreaterThanOrEqual(50);
    expect(sparsity('zeroSmallWeights')).toBeGreaterThan(sparsity('prune'));
  });

  test('training-pass.ts: a weight-transform pass with its own stage, then PTQ', () => {
    const r = tsx('training-pass.ts');
    expect(r.status).toBe(0);
    expect(r.stdout).toContain('passes: input → weightNoise → ptq');
    const acc = Number(/int8 PTQ: ([\d.]+)%/.exec(r.stdout)![1]);
    expect(acc).toBeGreaterThan(60); // two classes: well above chance
  });

  test('custom-op.ts: prune finds the custom op kernel through its registry entry', () => {
    const r = tsx('custom-op.ts');
    expect(r.status).toBe(0);
    expect(r.stdout).toContain('LinearNoBias kernel: 24/48 zeros, mask annotation: true');
  });

  test('library-api.ts: train, prune | cluster | ptq, write TFLite and ONNX, read back', async () => {
    const r = tsx('library-api.ts', dir);
    expect(r.status).toBe(0);
    expect(r.stdout).toMatch(/conv kernel read back from the TFLite file: [1-8] distinct values/);
    // The converted ONNX file (NCHW, as ONNX is) runs in ONNX Runtime: 4 class scores per sample.
    const session = await ort.InferenceSession.create(join(dir, 'quadrants.onnx'));
    const feeds = {
      [session.inputNames[0]!]: new ort.Tensor('float32', new Float32Array(64), [1, 1, 8, 8]),
    };
    const out = await session.run(feeds);
    expect(out[session.outputNames[0]!]!.dims).toEqual([1, 4]);
  });

  test('zero-small-weights-plugin.mjs: collabopt --plugin loads it and runs its pass', async () => {
    registerOnnxFormat();
    const b = new GraphBuilder('plugin_model', { seed: 1 });
    const g = b.build(b.layer('Dense', 'd', b.input('input', [-1, 16]), { units: 8 }));
    const input = join(dir, 'plugin-in.onnx');
    const output = join(dir, 'plugin-out.onnx');
    await writeModel(g, input);
    const r = run([
      join('packages', 'cli', 'bin', 'collabopt.js'),
      '--plugin',
      './examples/zero-small-weights-plugin.mjs',
      'optimize',
      input,
      '-o',
      output,
      '-d',
      'none',
      '-p',
      'zeroSmallWeights(threshold=0.2)',
    ]);
    expect(r.status).toBe(0);
    const kernel = (await readModel(output)).node('d').weight('kernel').tensor.data as Float32Array;
    expect(kernel.some((v) => v === 0)).toBe(true);
    expect(kernel.every((v) => v === 0 || Math.abs(v) >= 0.2)).toBe(true);
  });
});
