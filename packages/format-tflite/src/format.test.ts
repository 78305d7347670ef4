import { FormatRegistry, readModel, writeModel } from '@collabopt/core';
import { mkdtempSync, readFileSync } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { convFamilyModel } from '../test/models';
import { registerTfliteFormat, tfliteFormat } from './format';
import { writeTflite } from './export/writer';

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
