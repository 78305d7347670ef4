/**
 * The Keras-trained MobileNet-v1-style model (e2e/cli/mobilenet_model.py) that the CLI tree e2e
 * test, bench:size and bench:models all start from, and the MNIST idx folder it trains on.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import * as path from 'node:path';
import type { Dataset } from '@collabopt/engine';
import { REPO_ROOT, runPython } from './oracle';

/** Write the first `n` samples of a [0, 1] 28×28 data set as an MNIST idx pair (raw uint8). */
export function writeMnistIdx(dir: string, prefix: string, d: Dataset, n: number): void {
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

export interface KerasMobilenetRun {
  /** Fashion-MNIST (the engine's loadFashionMnist()). */
  readonly fashion: { readonly train: Dataset; readonly test: Dataset };
  /** Training images (the first of fashion.train) and test images (the first of fashion.test). */
  readonly train: number;
  readonly test: number;
  readonly epochs: number;
  /** Where the idx folder (train-*, t10k-*) is written; created if missing. */
  readonly dataDir: string;
  /** Where model.json, weights.bin and the converter's keras_ptq.tflite are written; created if missing. */
  readonly modelDir: string;
  /** Limit for the Keras run (runPython's default when absent). */
  readonly timeoutMs?: number;
}

/**
 * Write the idx folder, train the MobileNet-v1-style model on it with Keras in the oracle venv and
 * write it as a TF.js Layers model (plus TFLiteConverter's int8 file); Keras's test accuracy.
 */
export function trainKerasMobilenet(run: KerasMobilenetRun): { kerasTestAccuracy: number } {
  mkdirSync(run.dataDir, { recursive: true });
  mkdirSync(run.modelDir, { recursive: true });
  writeMnistIdx(run.dataDir, 'train', run.fashion.train, run.train);
  writeMnistIdx(run.dataDir, 't10k', run.fashion.test, run.test);
  const { stdout } = runPython(
    path.join(REPO_ROOT, 'e2e', 'cli', 'mobilenet_model.py'),
    [run.dataDir, run.modelDir, String(run.epochs)],
    { timeoutMs: run.timeoutMs },
  );
  // the script's last stdout line is its JSON result
  const result = JSON.parse(stdout.trim().split('\n').pop()!) as { keras_test_accuracy: number };
  return { kerasTestAccuracy: result.keras_test_accuracy };
}
