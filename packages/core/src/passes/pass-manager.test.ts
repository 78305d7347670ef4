import { ContractViolationError, PipelineError } from '../errors';
import type { Graph } from '../graph';
import { GraphBuilder } from '../graph-builder';
import { MemoryLogger } from '../logger';
import type { Pass, PassContext } from './pass';
import { PassManager } from './pass-manager';
import { definePass } from './define-pass';
import type { PassEntry } from './define-pass';
import { PassRegistry } from './pass-registry';
import { sequence } from './sequence';

function model(): Graph {
  const b = new GraphBuilder('m', { seed: 3 });
  const x = b.input('x', [-1, 8]);
  const h = b.layer('Dense', 'd1', x, { units: 4, activation: 'relu' });
  return b.build(b.layer('Dense', 'd2', h, { units: 2 }));
}

/** Zero the smallest half of every kernel and record the mask (a tiny "prune"). */
const pruneHalf: Pass = {
  name: 'prune',
  family: 'prune',
  preserves: ['mask'],
  run(graph) {
    for (const { slot, weight } of graph.weights()) {
      if (slot !== 'kernel') continue;
      const d = weight.tensor.data as Float32Array;
      const sorted = Float32Array.from(d, Math.abs).sort();
      const t = sorted[Math.floor(d.length / 2)]!;
      const mask = new Uint8Array(d.length);
      d.forEach((v, i) => {
        mask[i] = Math.abs(v) >= t ? 1 : 0;
        if (!mask[i]) d[i] = 0;
      });
      weight.annotations.mask = { mask };
    }
    return { changed: true };
  },
};

/** Adds a constant to every kernel: breaks sparsity. */
function perturb(name: string, drops: Pass['drops'], family?: string): Pass {
  return {
    name,
    ...(family ? { family } : {}),
    drops,
    run(graph) {
      for (const { slot, weight } of graph.weights()) {
        if (slot === 'kernel')
          (weight.tensor.data as Float32Array).forEach((_, i, a) => (a[i]! += 0.01));
      }
      return { changed: true };
    },
  };
}

describe('PassManager', () => {
  it('runs passes in order and records statistics per pass', async () => {
    const order: string[] = [];
    const trace = (name: string): Pass => ({
      name,
      run: () => (order.push(name), { changed: false }),
    });
    const pm = new PassManager({ logger: new MemoryLogger() }).add(
      trace('a'),
      pruneHalf,
      trace('b'),
    );
    const r = await pm.run(model());
    expect(order).toEqual(['a', 'b']);
    expect(r.records.map((x) => x.pass)).toEqual(['input', 'a', 'prune', 'b']);
    const input = r.records[0]!;
    const pruned = r.records[2]!;
    expect(input.params).toBe(8 * 4 + 4 + 4 * 2 + 2);
    expect(pruned.nonZeros).toBeLessThan(input.nonZeros);
    expect(pruned.sparsity).toBeGreaterThan(0.4);
    expect(pruned.uniqueValues['d1/kernel']).toBeLessThanOrEqual(17);
    expect(pruned.maxUniquePerKernel).toBe(
      Math.max(pruned.uniqueValues['d1/kernel']!, pruned.uniqueValues['d2/kernel']!),
    );
    expect(input.maxUniquePerKernel).toBe(8 * 4); // random d1 kernel: every value distinct
    expect(pruned.deflatedBytes).toBeGreaterThan(0);
    expect(pruned.timeMs).toBeGreaterThanOrEqual(0);
  });

  it('fails loudly when a pass breaks a kept contract, naming pass, weight and element', async () => {
    const pm = new PassManager({ logger: new MemoryLogger() }).add(
      pruneHalf,
      perturb('finetune', []),
    );
    await expect(pm.run(model())).rejects.toThrow(ContractViolationError);
    await expect(
      new PassManager({ logger: new MemoryLogger() })
        .add(pruneHalf, perturb('finetune', []))
        .run(model()),
    ).rejects.toThrow(
      /finetune broke the mask contract \(sparsity\) of weight d1\/kernel: element \d+ is pruned but holds .* \[first offending element \d+\]/,
    );
  });

  it('warns when a pass removes an annotation it declares it drops (ptq | prune)', async () => {
    /** Removes every mask annotation itself, as a re-pruning pass would drop earlier quant. */
    const stripMasks: Pass = {
      name: 'reprune',
      drops: ['mask'],
      run(graph) {
        for (const { weight } of graph.weights()) delete weight.annotations.mask;
        return { changed: true };
      },
    };
    const logger = new MemoryLogger();
    const r = await new PassManager({ logger }).add(pruneHalf, stripMasks).run(model());
    expect(r.warnings).toEqual(['reprune drops the sparsity that prune established']);
    expect(logger.messages('warn')).toEqual(r.warnings);
  });

  it('names the pass in the message of an error raised inside it', async () => {
    const failing: Pass = {
      name: 'boom',
      run() {
        throw new PipelineError('bad option', { field: 'x' });
      },
    };
    await expect(
      new PassManager({ logger: new MemoryLogger() }).add(failing).run(model()),
    ).rejects.toThrow('bad option (pass boom, field x)');
  });

  it('warns when a pass drops a contract and names the preserving alternative', async () => {
    const passes = new PassRegistry();
    const def = (name: string, drops: PassEntry['drops']): PassEntry => ({
      name,
      description: name,
      family: 'qat',
      options: {},
      preserves: [],
      drops,
      create: () => perturb(name, drops, 'qat'),
    });
    passes.register(def('qat', ['mask', 'codebook']));
    passes.register(def('pqat', ['codebook']));
    passes.register(def('pcqat', []));
    const logger = new MemoryLogger();
    const pm = new PassManager({ logger, passRegistry: passes }).add(
      pruneHalf,
      passes.create('qat'),
    );
    const r = await pm.run(model());
    expect(r.warnings).toEqual([
      'qat drops the sparsity that prune established; use pqat to keep it',
    ]);
    expect(logger.messages('warn')).toEqual(r.warnings);
    // the stale annotation is gone, so later passes are not held to it
    expect(r.graph.node('d1').weight('kernel').annotations.mask).toBeUndefined();
  });

  it('rejects a pass that silently removes an annotation', async () => {
    const strip: Pass = {
      name: 'strip',
      run(graph) {
        for (const { weight } of graph.weights()) delete weight.annotations.mask;
        return { changed: true };
      },
    };
    await expect(
      new PassManager({ logger: new MemoryLogger() }).add(pruneHalf, strip).run(model()),
    ).rejects.toThrow(
      /strip removed the mask annotation \(sparsity\) but does not declare that it drops it/,
    );
  });

  it('verifies the graph after each pass', async () => {
    const breaker: Pass = {
      name: 'breaker',
      run(graph) {
        delete graph.node('d2').weights['bias'];
        return { changed: true };
      },
    };
    await expect(
      new PassManager({ logger: new MemoryLogger() }).add(breaker).run(model()),
    ).rejects.toThrow(/missing weight "bias".*node d2/);
  });

  it('caches analyses until a pass changes the graph', async () => {
    const computed: number[] = [];
    const analyse = (ctx: PassContext, g: Graph): number =>
      ctx.analyses.get('count', g, () => (computed.push(1), g.nodes.length));
    const reader = (name: string): Pass => ({
      name,
      run: (g, ctx) => (analyse(ctx, g), { changed: false }),
    });
    const writer: Pass = { name: 'writer', run: (g, ctx) => (analyse(ctx, g), { changed: true }) };
    await new PassManager({ logger: new MemoryLogger() })
      .add(reader('r1'), reader('r2'), writer, reader('r3'))
      .run(model());
    // r1 computes, r2 hits, writer hits (before it changes), r3 recomputes after invalidation
    expect(computed.length).toBe(2);
  });

  it('calls instruments around every pass', async () => {
    const events: string[] = [];
    const pm = new PassManager({
      logger: new MemoryLogger(),
      instruments: [
        {
          name: 'trace',
          beforePass: (p) => void events.push(`before ${p.name}`),
          afterPass: (p, _g, r) => void events.push(`after ${p.name} ${r.changed}`),
        },
      ],
    }).add(pruneHalf);
    await pm.run(model());
    expect(events).toEqual(['before prune', 'after prune true']);
  });

  it('stops between passes when cancelled', async () => {
    const ac = new AbortController();
    const stopper: Pass = { name: 'stopper', run: () => (ac.abort(), { changed: false }) };
    const never: Pass = {
      name: 'never',
      run: () => {
        throw new Error('ran');
      },
    };
    await expect(
      new PassManager({ logger: new MemoryLogger(), signal: ac.signal })
        .add(stopper, never)
        .run(model()),
    ).rejects.toThrow(/cancelled/);
  });

  it('adds text pipelines through the pass registry', () => {
    const passes = new PassRegistry();
    const clusterOptions = {
      clusters: { kind: 'integer', min: 2, description: 'number of clusters' },
      preserveSparsity: { kind: 'boolean', default: false, description: 'keep zeros' },
    } as const;
    const cluster = definePass({
      name: 'cluster',
      description: 'test',
      family: 'cluster',
      options: clusterOptions,
      preserves: ['codebook'],
      drops: ['mask'],
      run: () => ({ changed: false }),
    });
    const { preserveSparsity: _fixed, ...sparsityPreservingOptions } = clusterOptions;
    passes.register(cluster);
    passes.register(
      definePass({
        name: 'sparsityPreservingCluster',
        description: 'cluster keeping zeros',
        family: 'cluster',
        options: sparsityPreservingOptions,
        preserves: ['codebook', 'mask'],
        run: () => ({ changed: false }),
      }),
    );
    const pm = new PassManager({ passRegistry: passes }).addPipeline(
      'cluster(clusters=8) | sparsityPreservingCluster(clusters=4)',
    );
    expect(pm.pipeline.map((p) => p.name)).toEqual(['cluster', 'sparsityPreservingCluster']);
    expect(pm.pipeline.map((p) => (p as { options?: unknown }).options)).toEqual([
      { clusters: 8, preserveSparsity: false },
      { clusters: 4 },
    ]);
    expect(() => passes.fromText('clustr(clusters=8)')).toThrow(
      /unknown pass "clustr"; did you mean "cluster"\?/,
    );
    expect(() => passes.fromText('cluster(clusters=8, k=2)')).toThrow(
      expect.objectContaining({ code: 'PIPELINE_UNKNOWN_OPTION' }),
    );
    expect(() => passes.fromText('cluster(clusters=1)')).toThrow(
      /option "clusters" of pass cluster must be an integer ≥ 2, got 1/,
    );
    expect(() => passes.fromText('cluster(clusters=yes)')).toThrow(PipelineError);
    expect(() => passes.fromText('cluster')).toThrow(/needs option "clusters"/);
    expect(() =>
      passes.fromText('sparsityPreservingCluster(clusters=4, preserveSparsity=false)'),
    ).toThrow(/unknown option "preserveSparsity"/);
    try {
      passes.fromText('cluster(clusters=1.5)');
    } catch (e) {
      expect((e as PipelineError).message).toContain(
        '\n  cluster(clusters=1.5)\n                   ^',
      );
    }
  });
});

describe('PassManager teacher (the float model before the pipeline)', () => {
  /** A pass that records the teacher it sees and then changes the kernels. */
  function student(seen: (Graph | undefined)[], usesTeacher: boolean): Pass {
    return {
      ...perturb('student', []),
      ...(usesTeacher ? { usesTeacher: true } : {}),
      run(graph, ctx) {
        seen.push(ctx.teacher);
        return perturb('student', []).run(graph, ctx);
      },
    };
  }

  it('snapshots the input once when a pass (or a pass of a sequence) declares usesTeacher', async () => {
    const seen: (Graph | undefined)[] = [];
    const input = model();
    const kernel = Float32Array.from(input.node('d1').weight('kernel').tensor.data as Float32Array);
    await new PassManager({ logger: new MemoryLogger() })
      .add(student(seen, false), sequence('s', [student(seen, true)]))
      .run(input);
    expect(seen[0]).toBe(seen[1]);
    expect(seen[1]).not.toBe(input);
    // The teacher holds the weights before the first pass, the student moved on.
    expect(seen[1]!.node('d1').weight('kernel').tensor.data).toEqual(kernel);
    expect(input.node('d1').weight('kernel').tensor.data).not.toEqual(kernel);
  });

  it('takes no copy when no pass distils, and uses the teacher it is given', async () => {
    const seen: (Graph | undefined)[] = [];
    await new PassManager({ logger: new MemoryLogger() }).add(student(seen, false)).run(model());
    expect(seen).toEqual([undefined]);
    const teacher = model();
    await new PassManager({ logger: new MemoryLogger(), teacher })
      .add(student(seen, true))
      .run(model());
    expect(seen[1]).toBe(teacher);
  });
});
