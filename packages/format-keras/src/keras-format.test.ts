import { promises as fs } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import {
  CollaboptError,
  FormatRegistry,
  GraphBuilder,
  MemoryLogger,
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
        'model-shard1of3.bin',
        'model-shard2of3.bin',
        'model-shard3of3.bin',
      ]);
      const back = await readModel(file, { formats: registry });
      expect(back.node('d').weight('kernel').tensor).toEqual(g.node('d').weight('kernel').tensor);
      expect(back.metadata['sourceFormat']).toBe('keras');

      // Writers never overwrite their input.
      await expect(writeModel(back, file, { formats: registry })).rejects.toThrow(CollaboptError);

      // A missing shard is a typed error naming it.
      await fs.rm(path.join(dir, 'model-shard2of3.bin'));
      const e = await readModel(file, { formats: registry }).catch((err: unknown) => err);
      expect(e).toBeInstanceOf(CollaboptError);
      expect((e as CollaboptError).code).toBe('KERAS_MISSING_SHARD');
      expect((e as CollaboptError).message).toContain('model-shard2of3.bin');
    } finally {
      await fs.rm(dir, { recursive: true, force: true });
    }
  });

  it('names shards after the model file, so two models in one folder keep their own weights', async () => {
    const registry = new FormatRegistry();
    registerKerasFormat(registry);
    const model = (seed: number) => {
      const b = new GraphBuilder('m', { seed });
      return b.build(b.layer('Dense', 'd', b.input('x', [-1, 4]), { units: 2 }));
    };
    const dir = await fs.mkdtemp(path.join(os.tmpdir(), 'format-keras-'));
    try {
      const a = model(1);
      const b = model(2);
      expect(await writeModel(a, path.join(dir, 'a.json'), { formats: registry })).toEqual([
        path.join(dir, 'a.json'),
        path.join(dir, 'a-shard1of1.bin'),
      ]);
      await writeModel(b, path.join(dir, 'b.json'), { formats: registry });
      const backA = await readModel(path.join(dir, 'a.json'), { formats: registry });
      expect(backA.node('d').weight('kernel').tensor).toEqual(a.node('d').weight('kernel').tensor);
    } finally {
      await fs.rm(dir, { recursive: true, force: true });
    }
  });

  it('refuses a topology-only file whose initial weights exceed the budget, naming the layer and the option', async () => {
    const registry = new FormatRegistry();
    registerKerasFormat(registry);
    const dir = await fs.mkdtemp(path.join(os.tmpdir(), 'format-keras-'));
    try {
      const file = path.join(dir, 'big.json');
      const dense = (name: string, units: number) => ({
        class_name: 'Dense',
        config: { name, units, activation: 'linear', use_bias: true },
      });
      await fs.writeFile(
        file,
        JSON.stringify({
          class_name: 'Sequential',
          config: {
            name: 'big',
            layers: [
              { class_name: 'InputLayer', config: { name: 'in', batch_input_shape: [null, 64] } },
              dense('first', 64),
              dense('second', 64),
            ],
          },
        }),
      );
      // 64×64 + 64 floats = 16,640 bytes per layer: the second layer crosses a 20,000 byte budget
      const e = await readModel(file, { formats: registry, initialWeightBudgetBytes: 20000 }).catch(
        (err: unknown) => err,
      );
      expect(e).toBeInstanceOf(CollaboptError);
      expect((e as CollaboptError).code).toBe('KERAS_WEIGHT_BUDGET_EXCEEDED');
      expect((e as CollaboptError).location.node).toBe('second');
      expect((e as CollaboptError).message).toContain('initialWeightBudgetBytes');
      expect((e as CollaboptError).message).toContain(file);
      const ok = await readModel(file, { formats: registry, initialWeightBudgetBytes: 40000 });
      expect(ok.node('second').weight('kernel').tensor.shape).toEqual([64, 64]);
    } finally {
      await fs.rm(dir, { recursive: true, force: true });
    }
  });

  it('passes reader warnings (annotations that no longer hold) to the caller’s logger', async () => {
    const registry = new FormatRegistry();
    registerKerasFormat(registry);
    const b = new GraphBuilder('m', { seed: 3 });
    const g = b.build(b.layer('Dense', 'd', b.input('x', [-1, 4]), { units: 2 }));
    const dir = await fs.mkdtemp(path.join(os.tmpdir(), 'format-keras-'));
    try {
      const file = path.join(dir, 'm.json');
      await writeModel(g, file, { formats: registry });
      const json = JSON.parse(await fs.readFile(file, 'utf8'));
      json.userDefinedMetadata = { collabopt: { version: 1, weights: { ghost: {} } } };
      await fs.writeFile(file, JSON.stringify(json));
      const logger = new MemoryLogger();
      const back = await readModel(file, { formats: registry, logger });
      const warnings = logger.records.filter((r) => r.level === 'warn').map((r) => r.message);
      expect(warnings.length).toBeGreaterThan(0);
      expect(warnings[0]).toContain('ghost');
      expect(back.metadata['readWarnings']).toEqual([expect.stringContaining('ghost')]);
    } finally {
      await fs.rm(dir, { recursive: true, force: true });
    }
  });
});
