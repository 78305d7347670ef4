/**
 * Pruned models keep their sparsity in an exported .tflite file as TensorFlow's own interpreter
 * reads it: 50 % unstructured per kernel, and 2:4 along input channels checked the way TFMOT's
 * check_sparsity_m_by_n tool checks a .tflite file.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { referenceCnn } from '@collabopt/engine';
import { writeTflite } from '@collabopt/format-tflite';
import { applyMasks, checkMN } from '@collabopt/pruning';
import { runPython } from '../helpers/oracle';

interface WeightInfo {
  op: string;
  name: string;
  shape: number[];
  sparsity: number;
  mn: boolean;
}

let dir: string;
beforeAll(() => {
  dir = mkdtempSync(path.join(tmpdir(), 'collabopt-pruning-'));
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

function inspect(bytes: Uint8Array, name: string): WeightInfo[] {
  const file = path.join(dir, name);
  writeFileSync(file, bytes);
  const { stdout } = runPython(path.join(__dirname, 'tflite_sparsity.py'), [file, '2', '4']);
  return (JSON.parse(stdout.trim().split('\n').pop()!) as { weights: WeightInfo[] }).weights;
}

test('50% magnitude pruning survives TFLite export', () => {
  const g = referenceCnn(7);
  const report = applyMasks(g, { sparsity: 0.5 });
  const weights = inspect(writeTflite(g), 'pruned50.tflite');
  expect(weights.map((w) => w.op)).toEqual([
    'CONV_2D',
    'CONV_2D',
    'FULLY_CONNECTED',
    'FULLY_CONNECTED',
  ]);
  weights.forEach((w, i) => expect(w.sparsity).toBeCloseTo(report.layers[i]!.achievedSparsity, 6));
  for (const w of weights) expect(w.sparsity).toBeCloseTo(0.5, 2);
});

test('2:4 pruning is 2:4 along input channels in the TFLite layout (TFMOT checker semantics)', () => {
  const g = referenceCnn(7);
  // before pruning only conv1 (a single input channel) passes the check trivially
  expect(inspect(writeTflite(g), 'dense.tflite').map((w) => w.mn)).toEqual([
    true,
    false,
    false,
    false,
  ]);
  applyMasks(g, { sparsity: 0, structure: { kind: 'mn', m: 2, n: 4 } });
  expect(checkMN(g, 2, 4).ok).toBe(true);
  const weights = inspect(writeTflite(g), 'pruned24.tflite');
  expect(weights.every((w) => w.mn)).toBe(true);
  // conv1 has one input channel (nothing to prune); conv2, dense1 and logits are exactly 50 %
  expect(weights.map((w) => Number(w.sparsity.toFixed(4)))).toEqual([0, 0.5, 0.5, 0.5]);
});
