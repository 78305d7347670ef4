import { FormatRegistry, GraphBuilder, readModel, writeModel, type Graph } from '@collabopt/core';
import { mkdtempSync, readFileSync } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { annotateInt8 } from '../test/annotate';
import { convFamilyModel } from '../test/models';
import { registerTfliteFormat, tfliteFormat } from './format';
import { writeTflite } from './export/writer';
import { builtinOperatorName } from './schema/enums';
import { parseModel } from './schema/tables/model';

describe('tflite format registration', () => {
  it('detects "TFL3" at bytes 4–7 only', () => {
    const bytes = writeTflite(convFamilyModel());
    expect(tfliteFormat.detect!(bytes)).toBe(true);
    expect(tfliteFormat.detect!(new TextEncoder().encode('TFL3TFL4'))).toBe(false);
    expect(tfliteFormat.detect!(bytes.subarray(0, 6))).toBe(false);
  });

  it('registers once and is found by extension and by magic bytes', () => {
    const registry = new FormatRegistry();
    registerTfliteFormat(registry);
    registerTfliteFormat(registry);
    expect(registry.names()).toEqual(['tflite']);
    expect(registry.forFile('model.TFLITE').name).toBe('tflite');
    expect(registry.forFile('model.bin', writeTflite(convFamilyModel())).name).toBe('tflite');
  });

  it('writes and reads through the registry (writeModel / readModel)', async () => {
    registerTfliteFormat();
    const dir = mkdtempSync(path.join(os.tmpdir(), 'tflite-format-'));
    const file = path.join(dir, 'm.tflite');
    await writeModel(convFamilyModel(), file);
    expect(String.fromCharCode(...readFileSync(file).subarray(4, 8))).toBe('TFL3');
    const g = await readModel(file);
    expect(g.outputs[0]!.shape).toEqual([-1, 5]);
  });
});

describe('tflite format requirements (what legalization rewrites before any pass)', () => {
  function denseModel(activation: string, batchNorm = false): Graph {
    const b = new GraphBuilder('dense', { seed: 4 });
    let h = b.layer('Dense', 'hidden', b.input('input', [-1, 6]), { units: 4, activation });
    if (batchNorm) h = b.layer('BatchNorm', 'bn', h, {});
    return b.build(b.layer('Dense', 'logits', h, { units: 3 }));
  }
  const range = (): [number, number] => [-4, 4];

  it('folds BatchNorm in every mode: the writer has no batch-norm kernel', () => {
    expect(tfliteFormat.requirements!({ quantized: false }).foldBatchNorm).toBe(true);
    expect(tfliteFormat.requirements!({ quantized: true }).foldBatchNorm).toBe(true);
    expect(() => writeTflite(denseModel('relu', true))).toThrow(/batch-norm kernel/);
  });

  it('int8: the declared fusable activations are exactly the ones the writer fuses', () => {
    const float = tfliteFormat.requirements!({ quantized: false });
    expect(float.fusableActivations).toBeUndefined();
    expect(float.splitSeparableConv).toBe(false);
    expect(writeTflite(denseModel('softmax')).length).toBeGreaterThan(0);

    const int8 = tfliteFormat.requirements!({ quantized: true });
    expect(int8.splitSeparableConv).toBe(true);
    const operators = (bytes: Uint8Array): string[] => {
      const m = parseModel(bytes);
      return m.subgraphs[0]!.operators.map((o) =>
        builtinOperatorName(m.operatorCodes[o.opcodeIndex]!.builtinCode),
      );
    };
    for (const act of int8.fusableActivations!)
      expect(
        operators(writeTflite(annotateInt8(denseModel(act), range), { mode: 'int8' })),
      ).toEqual(['QUANTIZE', 'FULLY_CONNECTED', 'FULLY_CONNECTED', 'DEQUANTIZE']);
    for (const act of ['softmax', 'sigmoid', 'tanh']) {
      expect(int8.fusableActivations).not.toContain(act);
      expect(() => writeTflite(annotateInt8(denseModel(act), range), { mode: 'int8' })).toThrow(
        /cannot be fused/,
      );
    }
  });
});
