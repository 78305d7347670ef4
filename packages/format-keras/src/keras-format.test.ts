import { promises as fs } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import {
  CollaboptError,
  FormatRegistry,
  GraphBuilder,
  readModel,
  writeModel,
} from '@collabopt/core';
import { kerasFormat, looksLikeKerasJson, registerKerasFormat } from './keras-format';

describe('keras FormatDefinition', () => {
  it('detects Layers model.json and Keras JSON, not other JSON or binaries', () => {
    const enc = (s: string): Uint8Array => new TextEncoder().encode(s);
    expect(looksLikeKerasJson(enc(' {"format": "layers-model", "modelTopology": {}}'))).toBe(true);
    expect(looksLikeKerasJson(enc('{"class_name": "Sequential", "config": {}}'))).toBe(true);
    expect(looksLikeKerasJson(enc('{"name": "package"}'))).toBe(false);
    expect(looksLikeKerasJson(new Uint8Array([0x18, 0, 0, 0, 0x54, 0x46, 0x4c, 0x33]))).toBe(false);
  });

  it('writes model.json first then shards, and reads them back through readModel', async () => {
    const registry = new FormatRegistry();
    registerKerasFormat(registry);
    registerKerasFormat(registry); // idempotent
    expect(registry.forFile('out/model.json')).toBe(kerasFormat);

    const b = new GraphBuilder('tiny', { seed: 5 });
    const y = b.layer('Dense', 'd', b.input('x', [-1, 300]), { units: 10 });
    const g = b.build(y);
    const dir = await fs.mkdtemp(path.join(os.tmpdir(), 'format-keras-'));
    try {
      const file = path.join(dir, 'model.json');
      const written = await writeModel(g, file, { formats: registry, shardSizeBytes: 4096 });
      expect(written.map((p) => path.basename(p))).toEqual([
        'model.json',
        'group1-shard1of3.bin',
        'group1-shard2of3.bin',
        'group1-shard3of3.bin',
      ]);
      const back = await readModel(file, { formats: registry });
      expect(back.node('d').weight('kernel').tensor).toEqual(g.node('d').weight('kernel').tensor);
      expect(back.metadata['sourceFormat']).toBe('keras');

      // Writers never overwrite their input.
      await expect(writeModel(back, file, { formats: registry })).rejects.toThrow(CollaboptError);

      // A missing shard is a typed error naming it.
      await fs.rm(path.join(dir, 'group1-shard2of3.bin'));
      const e = await readModel(file, { formats: registry }).catch((err: unknown) => err);
      expect(e).toBeInstanceOf(CollaboptError);
      expect((e as CollaboptError).code).toBe('KERAS_MISSING_SHARD');
      expect((e as CollaboptError).message).toContain('group1-shard2of3.bin');
    } finally {
      await fs.rm(dir, { recursive: true, force: true });
    }
  });
});
