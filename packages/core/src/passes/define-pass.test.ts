import { PipelineError } from '../errors';
import type { Graph } from '../graph';
import { GraphBuilder } from '../graph-builder';
import { MemoryLogger } from '../logger';
import { definePass } from './define-pass';
import type { OptionsOf } from './option-types';
import { PassManager } from './pass-manager';
import { PassRegistry } from './pass-registry';
import { sequence } from './sequence';

function model(): Graph {
  const b = new GraphBuilder('m', { seed: 3 });
  const x = b.input('x', [-1, 8]);
  return b.build(b.layer('Dense', 'd1', x, { units: 4 }));
}

const seen: unknown[] = [];
const scale = definePass({
  name: 'scale',
  description: 'multiply every kernel by a factor',
  family: 'scale',
  options: {
    factor: { kind: 'number', description: 'factor', default: 2, min: 0, exclusiveMin: true },
    mode: { kind: 'enum', values: ['all', 'kernels'], default: 'kernels', description: 'which' },
    layers: { kind: 'strings', description: 'only these', optional: true },
  },
  preserves: [],
  drops: ['mask'],
  run(graph, _ctx, o) {
    seen.push(o);
    for (const { slot, weight } of graph.weights()) {
      if (o.mode === 'kernels' && slot !== 'kernel') continue;
      (weight.tensor.data as Float32Array).forEach((v, i, a) => (a[i] = v * o.factor));
    }
    return { changed: true, report: { factor: o.factor } };
  },
});

// Compile-time checks: the option type is inferred from the schema.
type ScaleOptions = OptionsOf<typeof scale.options>;
const typed: ScaleOptions = { factor: 1, mode: 'all' };
// @ts-expect-error 'some' is not one of the enum values
const badEnum: ScaleOptions = { factor: 1, mode: 'some' };
// @ts-expect-error factor is a number
const badValue: Parameters<typeof scale.create>[0] = { factor: 'x' };
void typed;
void badValue;
void badEnum;

describe('definePass', () => {
  it('creates passes from partial options with defaults, carrying the declared contracts', () => {
    const pass = scale.create({ factor: 3 });
    expect(pass.name).toBe('scale');
    expect(pass.family).toBe('scale');
    expect(pass.options).toEqual({ factor: 3, mode: 'kernels' });
    expect(pass.drops).toEqual(['mask']);
    expect(scale.create().options).toEqual({ factor: 2, mode: 'kernels' });
  });

  it('validates typed options with the text-pipeline errors', () => {
    expect(() => scale.create({ factor: 0 })).toThrow(
      /option "factor" of pass scale must be a number > 0, got 0/,
    );
    expect(() => scale.create({ factor: 0 })).toThrow(PipelineError);
  });

  it('is its own registry entry and text pipelines resolve through it', async () => {
    const passes = new PassRegistry();
    passes.register(scale);
    expect(passes.get('scale')).toBe(scale);
    const [p] = passes.fromText('scale(factor=4, layers=[d1])');
    expect(p!.name).toBe('scale');
    const g = model();
    const before = Float32Array.from(g.node('d1').weight('kernel').tensor.data as Float32Array);
    const r = await new PassManager({ logger: new MemoryLogger() }).add(p!).run(g);
    const after = r.graph.node('d1').weight('kernel').tensor.data as Float32Array;
    expect(Array.from(after)).toEqual(Array.from(before, (v) => Math.fround(v * 4)));
    expect(seen[seen.length - 1]).toEqual({ factor: 4, mode: 'kernels', layers: ['d1'] });
    expect(() => passes.fromText('scale(factr=4)')).toThrow(/did you mean "factor"\?/);
  });
});

describe('sequence', () => {
  it('nests: the pass manager runs and records each inner pass', async () => {
    const inner = sequence('twice', [scale.create({ factor: 2 }), scale.create({ factor: 3 })]);
    const outer = sequence('outer', [inner, scale.create({ factor: 5 })]);
    expect(outer.drops).toEqual(['mask']);
    const g = model();
    const before = Float32Array.from(g.node('d1').weight('kernel').tensor.data as Float32Array);
    const r = await new PassManager({ logger: new MemoryLogger() }).add(outer).run(g);
    expect(r.records.map((x) => x.pass)).toEqual(['input', 'scale', 'scale', 'scale']);
    const after = r.graph.node('d1').weight('kernel').tensor.data as Float32Array;
    expect(after[0]).toBeCloseTo(before[0]! * 30, 5);
  });

  it('runs its passes in order on its own and reports each', async () => {
    const seq = sequence('pair', [scale.create({ factor: 2 }), scale.create({ factor: 3 })]);
    const g = model();
    const ctx = {
      registry: undefined as never,
      logger: new MemoryLogger(),
      progress: undefined as never,
      seed: 0,
      data: {},
      analyses: { invalidate: () => undefined } as never,
    };
    const r = await seq.run(g, ctx);
    expect(r.changed).toBe(true);
    expect(r.report).toEqual({ scale: { factor: 3 } });
  });
});

describe('PassManager.run', () => {
  it('is re-entrant: a second run records only its own passes and warnings', async () => {
    const pm = new PassManager({ logger: new MemoryLogger() }).add(scale.create());
    const a = await pm.run(model());
    const b = await pm.run(model());
    expect(a.records.map((x) => x.pass)).toEqual(['input', 'scale']);
    expect(b.records.map((x) => x.pass)).toEqual(['input', 'scale']);
    expect(a.records).not.toBe(b.records);
  });
});
