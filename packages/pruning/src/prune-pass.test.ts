import {
  AnalysisCache,
  checkMask,
  countNonZeros,
  defaultOpRegistry,
  MemoryLogger,
  PassManager,
  PassRegistry,
  silentProgress,
  type ConfiguredPass,
  type PassContext,
} from '@collabopt/core';
import { smallCnn } from '../test/small-cnn';
import { checkMN } from './check-mn';
import {
  prune,
  PRUNE_OPTIONS,
  pruningPasses,
  registerPruningPasses,
  scheduleFromOptions,
  structureFromOptions,
} from './prune-pass';
import type { PruneOptions } from './prune-pass';
import type { LayerSparsity } from './report';

type PrunePass = ConfiguredPass<PruneOptions>;

function registry(): PassRegistry {
  const r = new PassRegistry();
  registerPruningPasses(r);
  return r;
}

describe('prune pass registration and options', () => {
  it('registers prune with its schema, family and contracts (idempotently)', () => {
    const r = registry();
    registerPruningPasses(r);
    const def = r.get('prune');
    expect(def.family).toBe('prune');
    expect(def.preserves).toEqual(['mask']);
    expect(def.drops).toContain('codebook');
    expect(def.drops).toContain('quant');
    expect(pruningPasses.map((d) => d.name)).toEqual(['prune']);
    expect(def).toBe(prune);
    expect(Object.keys(PRUNE_OPTIONS)).toEqual(
      expect.arrayContaining([
        'sparsity',
        'schedule',
        'blockSize',
        'm',
        'n',
        'layers',
        'exclude',
        'oneShot',
      ]),
    );
  });
  it('parses text pipelines and rejects bad options with the pass name', () => {
    const r = registry();
    const [pass] = r.fromText(
      'prune(sparsity=0.8, schedule=polynomial, initialSparsity=0.2, ops=[Dense], exclude=["/^logits$/"])',
    );
    const o = (pass as PrunePass).options;
    expect(o.sparsity).toBe(0.8);
    expect(o.schedule).toBe('polynomial');
    expect(o.ops).toEqual(['Dense']);
    expect(o.exclude).toEqual(['/^logits$/']);
    expect(o.frequency).toBe(100);
    expect(() => r.fromText('prune(sparsity=1)')).toThrow(/sparsity/);
    expect(() => r.fromText('prune(sparsty=0.5)')).toThrow(/did you mean "sparsity"/);
    expect(() => r.fromText('prune(schedule=cubic)')).toThrow(/constant, polynomial/);
  });
  it('creates a typed pass from partial options with the schema defaults', () => {
    const p = prune.create({ sparsity: 0.5 });
    expect(p.name).toBe('prune');
    expect(p.options.sparsity).toBe(0.5);
    expect(p.options.schedule).toBe('constant');
    expect(p.options.frequency).toBe(100);
    expect(p.options.blockSize).toEqual([1, 1]);
    expect(p.options.m).toBeUndefined();
    expect(p.drops).toEqual(['codebook', 'quant', 'range']);
    expect(() => prune.create({ sparsity: 1 })).toThrow(
      /option "sparsity" of pass prune must be a number ≥ 0 and < 1, got 1/,
    );
  });
  it('derives structure and schedule from options', () => {
    const base = { blockSize: [1, 1], blockPooling: 'avg' as const };
    expect(structureFromOptions(base)).toEqual({ kind: 'unstructured' });
    expect(structureFromOptions({ ...base, m: 2, n: 4 })).toEqual({ kind: 'mn', m: 2, n: 4 });
    expect(structureFromOptions({ ...base, blockSize: [2, 4] })).toEqual({
      kind: 'block',
      blockSize: [2, 4],
      pooling: 'avg',
    });
    expect(() => structureFromOptions({ ...base, m: 2 })).toThrow(/both m and n/);
    expect(() => structureFromOptions({ ...base, blockSize: [2, 2], m: 2, n: 4 })).toThrow(
      /either block/,
    );
    expect(() => structureFromOptions({ ...base, blockSize: [2] })).toThrow(/blockSize/);
    const o = registry().create('prune', {
      schedule: 'polynomial',
      sparsity: 0.8,
      initialSparsity: 0.5,
      frequency: 10,
    }) as PrunePass;
    const s = scheduleFromOptions(o.options, 200);
    expect(s.config).toMatchObject({ kind: 'polynomial', endStep: 200, beginStep: 0 });
    expect(s.at(200).sparsity).toBeCloseTo(0.8, 6);
  });
});

describe('prune pass, one-shot (no train data)', () => {
  it('prunes to the target through the pass manager and reports per layer', async () => {
    const logger = new MemoryLogger();
    const result = await new PassManager({ logger, passRegistry: registry() })
      .addPipeline('prune(sparsity=0.8)')
      .run(smallCnn());
    const g = result.graph;
    for (const name of ['conv1', 'dw', 'dense1', 'logits']) {
      const w = g.node(name).weight('kernel');
      expect(w.annotations.mask).toBeDefined();
      expect(checkMask(w.tensor, w.annotations.mask!).ok).toBe(true);
      const size = w.tensor.data.length;
      expect(countNonZeros(w.tensor.data)).toBe(Math.round(size * 0.2));
    }
    expect(result.records[result.records.length - 1]!.sparsity).toBeGreaterThan(0.7);
    expect(g.node('dw').weight('bias').annotations.mask).toBeUndefined();
  });

  it('reports target vs achieved and the mode', async () => {
    const pass = registry().create('prune', {
      sparsity: 0.5,
      m: 2,
      n: 4,
      ops: ['Dense'],
    }) as PrunePass;
    const g = smallCnn();
    const ctx: PassContext = {
      registry: defaultOpRegistry,
      logger: new MemoryLogger(),
      progress: silentProgress,
      seed: 0,
      data: {},
      analyses: new AnalysisCache(),
    };
    const r = await pass.run(g, ctx);
    expect(r.changed).toBe(true);
    expect(r.report!['mode']).toBe('one-shot');
    expect(r.report!['structure']).toBe('2:4');
    const layers = r.report!['layers'] as LayerSparsity[];
    expect(layers.map((l) => [l.node, l.targetSparsity, l.achievedSparsity])).toEqual([
      ['dense1', 0.5, 0.5],
      ['logits', 0.5, 0.5],
    ]);
    const pruned = checkMN(g, 2, 4).layers.filter(
      (l) => l.node === 'dense1' || l.node === 'logits',
    );
    expect(pruned.map((l) => [l.node, l.ok])).toEqual([
      ['dense1', true],
      ['logits', true],
    ]);
  });

  it('pruning other layers later keeps the earlier masks', async () => {
    const reg = registry();
    const result = await new PassManager({ logger: new MemoryLogger(), passRegistry: reg })
      .addPipeline('prune(sparsity=0.5, layers=[dense1]) | prune(sparsity=0.7, layers=[logits])')
      .run(smallCnn());
    expect(result.graph.node('dense1').weight('kernel').annotations.mask!.targetSparsity).toBe(0.5);
    expect(result.graph.node('logits').weight('kernel').annotations.mask!.targetSparsity).toBe(0.7);
  });

  it('warns when nothing is selected', async () => {
    const logger = new MemoryLogger();
    await new PassManager({ logger, passRegistry: registry() })
      .addPipeline('prune(ops=[MaxPool2D])')
      .run(smallCnn());
    expect(logger.records.some((r) => /no prunable weight selected/.test(r.message))).toBe(true);
  });
});
