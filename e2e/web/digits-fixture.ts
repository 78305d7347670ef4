/**
 * What the web suites feed the app and check its files with: a user model (the reference CNN,
 * briefly trained), test digits for TF's interpreter, optionally PNG digit folders, and the
 * interpreter comparison of two .tflite files over those digits.
 */
import { execFileSync } from 'node:child_process';
import * as path from 'node:path';
import { REPO_ROOT, runPython } from '../helpers/oracle';

/** Test digits written for the interpreter (`test.f32`, `test.u8`). */
export const TEST_SAMPLES = 500;

export interface DigitsFixtureOptions {
  /** Also write the model as `cnn.onnx`. */
  readonly onnx?: boolean;
  /** Also write this many training digits per class as PNGs under `digits/<class>/`. */
  readonly imagesPerClass?: number;
}

/**
 * Into `dir`: the reference CNN (seed 7) trained one epoch on 2048 digits as a multi-file Layers
 * model in `model/`, the first TEST_SAMPLES test digits as `test.f32` + `test.u8`, and what
 * `options` asks for.
 */
export function writeDigitsFixture(dir: string, options: DigitsFixtureOptions = {}): void {
  const imagesPerClass = options.imagesPerClass ?? 0;
  const script = `
    const { registerKerasFormat } = require('@collabopt/format-keras');
    const { registerOnnxFormat } = require('@collabopt/format-onnx');
    const { writeModel } = require('@collabopt/core');
    const { createEngine, referenceCnn, loadMnistDigits, take } = require('@collabopt/engine');
    const fs = require('node:fs');
    const path = require('node:path');
    (async () => {
      registerKerasFormat();
      registerOnnxFormat();
      const dir = process.argv[1];
      const engine = await createEngine({ backend: 'wasm' });
      const { train, test } = loadMnistDigits();
      const g = referenceCnn(7);
      await engine.fit(g, take(train, 2048), { epochs: 1, batchSize: 64, optimizer: 'adam', learningRate: 2e-3, seed: 7 });
      fs.mkdirSync(path.join(dir, 'model'), { recursive: true });
      await writeModel(g, path.join(dir, 'model', 'model.json'));
      if (${options.onnx === true}) await writeModel(g, path.join(dir, 'cnn.onnx'));
      const n = ${TEST_SAMPLES};
      fs.writeFileSync(path.join(dir, 'test.f32'), Buffer.from(test.x.buffer, 0, n * 784 * 4));
      fs.writeFileSync(path.join(dir, 'test.u8'), Uint8Array.from(test.y.subarray(0, n)));
      const written = new Array(10).fill(0);
      for (let i = 0; i < train.count && written.some((c) => c < ${imagesPerClass}); i++) {
        const c = train.y[i];
        if (written[c] >= ${imagesPerClass}) continue;
        const px = Uint8Array.from(train.x.subarray(i * 784, (i + 1) * 784), (v) => Math.round(v * 255));
        const folder = path.join(dir, 'digits', String(c));
        fs.mkdirSync(folder, { recursive: true });
        await require('sharp')(Buffer.from(px), { raw: { width: 28, height: 28, channels: 1 } })
          .png()
          .toFile(path.join(folder, 'd' + String(i).padStart(5, '0') + '.png'));
        written[c]++;
      }
    })().catch((e) => { console.error(e); process.exit(1); });
  `;
  execFileSync('node', ['-e', script, dir], { cwd: REPO_ROOT, stdio: 'inherit' });
}

/** compare_tflite.py's answer: each file's accuracy, their agreement and constant differences. */
export interface TfliteComparison {
  accuracyA: number;
  accuracyB: number;
  agreement: number;
  constantsCompared: number;
  maxConstantLsb: number;
  sizes: [number, number];
  identical: boolean;
}

/** Two .tflite files run by TF's interpreter on the fixture's test digits in `dir`. */
export function compareTflite(a: string, b: string, dir: string): TfliteComparison {
  return JSON.parse(
    runPython(path.join(__dirname, 'compare_tflite.py'), [a, b, ...testDigitsArguments(dir)])
      .stdout,
  ) as TfliteComparison;
}

/** The fixture's test digits as the oracle scripts take them: images, labels, count. */
export function testDigitsArguments(dir: string): string[] {
  return [path.join(dir, 'test.f32'), path.join(dir, 'test.u8'), String(TEST_SAMPLES)];
}
