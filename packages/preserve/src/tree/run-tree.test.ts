import {
  InvalidArgumentError,
  PassRegistry,
  definePass,
  deflatedSize,
  type Graph,
  type ModelFile,
} from '@collabopt/core';
import { registerClusteringPasses } from '@collabopt/clustering';
import {
  createEngine,
  dataSourceFromDataset,
  type DataSource,
  type Dataset,
  type Engine,
} from '@collabopt/engine';
import { registerPruningPasses } from '@collabopt/pruning';
import { registerQuantizationPasses } from '@collabopt/quantization';
import { registerPreservePasses } from '../register';
import { runTree, type TreeEvent } from './run-tree';
import type { TreePlan } from './plan';
import { pipelinePasses } from './plan';
import { toyData, toyModel } from '../../test/toy-model';

/** A writer that serialises every kernel's float bytes: what a format writer returns, without disk. */
async function weightsWriter(graph: Graph): Promise<ModelFile[]> {
  const parts = graph.nodes.flatMap((n) =>
    Object.values(n.weights).map((w) => new Uint8Array((w.tensor.data as Float32Array).buffer)),
  );
  const bytes = new Uint8Array(parts.reduce((s, p) => s + p.length, 0));
  let at = 0;
  for (const p of parts) {
    bytes.set(p, at);
    at += p.length;
  }
  return [{ path: 'model.bin', bytes }];
}

const leaf = (id: string, from: string, pipeline: string) => ({
  id,
  from,
  pipeline,
  label: id,
  requires: pipelinePasses(pipeline),
});

describe('runTree', () => {
  let engine: Engine;
  const passes = new PassRegistry();
  beforeAll(async () => {
    engine = await createEngine({ backend: 'cpu' });
    registerPruningPasses(passes);
    registerClusteringPasses(passes);
    registerQuantizationPasses(passes);
    registerPreservePasses(passes);
    passes.register(
      definePass({
        name: 'explode',
        description: 'test pass that always fails',
        options: {},
        preserves: [],
        run: () => {
          throw new InvalidArgumentError('no way', { node: 'logits' });
        },
      }),
    );
  });

  it('builds every branch and leaf, reports a failing leaf and a missing pass, and goes on', async () => {
    const plan: TreePlan = {
      branches: [
        { id: 'baseline', label: 'baseline' },
        {
          id: 'pruned',
          from: 'baseline',
          pipeline: 'prune(sparsity=0.5, oneShot=true)',
          label: 'p',
        },
        { id: 'broken', from: 'baseline', pipeline: 'explode', label: 'b' },
        {
          id: 'clustered',
          from: 'pruned',
          pipeline: 'sparsityPreservingCluster(clusters=4, oneShot=true)',
          label: 'c',
        },
      ],
      leaves: [
        leaf('pruned-fails', 'pruned', 'explode'),
        leaf('pruned-ptq', 'pruned', 'ptq(mode=int8)'),
        leaf('broken-ptq', 'broken', 'ptq(mode=int8)'),
        leaf('missing', 'baseline', 'frobnicate'),
        leaf('clustered-ptq', 'clustered', 'ptq(mode=int8)'),
      ],
    };
    const events: TreeEvent['kind'][] = [];
    const returned = new Map<string, ModelFile[]>();
    const baseline = toyModel();
    const before = (baseline.node('conv').weight('kernel').tensor.data as Float32Array).slice();
    const { report, branches, passRecords } = await runTree(baseline, plan, {
      engine,
      data: { train: toyData(64, 1), test: toyData(32, 2), calibration: toyData(32, 3) },
      writer: async (g, l) => {
        const files = await weightsWriter(g);
        returned.set(l.id, files);
        return files;
      },
      passRegistry: passes,
      onEvent: (e) => events.push(e.kind),
    });
    expect(report.branches.map((b) => [b.id, b.status])).toEqual([
      ['baseline', 'ok'],
      ['pruned', 'ok'],
      ['broken', 'failed'],
      ['clustered', 'ok'],
    ]);
    expect(report.branches[2]!.error).toEqual({
      code: 'INVALID_ARGUMENT',
      message: expect.stringContaining('no way') as string,
      node: 'logits',
    });
    expect(report.leaves.map((l) => [l.id, l.status])).toEqual([
      ['pruned-fails', 'failed'],
      ['pruned-ptq', 'ok'],
      ['broken-ptq', 'skipped'],
      ['missing', 'unavailable'],
      ['clustered-ptq', 'ok'],
    ]);
    expect(report.leaves[3]!.error!.message).toContain('frobnicate');
    // measured from the bytes the writer returned
    const ptq = report.leaves[1]!;
    const written = returned.get('pruned-ptq')!;
    expect(ptq.files).toEqual([{ path: 'model.bin', bytes: ptq.bytes }]);
    expect(ptq.bytes).toBe(written[0]!.bytes.length);
    expect(ptq.deflatedBytes).toBe(deflatedSize(written[0]!.bytes));
    expect(ptq.deflatedBytes).toBeLessThan(ptq.bytes!);
    expect(ptq.metric).toMatchObject({ kind: 'accuracy', samples: 32, source: 'int8-simulation' });
    expect(ptq.kernels!.sparsity).toBeGreaterThanOrEqual(0.5);
    expect(report.leaves[4]!.kernels!.maxUniquePerKernel).toBeLessThanOrEqual(4);
    expect(report.baseline).toMatchObject({ kind: 'accuracy', source: 'float' });
    expect(branches.has('broken')).toBe(false);
    // each built branch's and leaf's own pipeline, pass by pass, with what the passes reported
    expect(passRecords.get('pruned')!.map((r) => r.pass)).toEqual(['input', 'prune']);
    const ptqRecord = passRecords.get('pruned-ptq')!.find((r) => r.pass === 'ptq')!;
    const sqnr = ptqRecord.report!['weights'] as { node: string; slot: string; sqnrDb: number }[];
    const convKernel = sqnr.find((w) => w.node === 'conv' && w.slot === 'kernel');
    expect(convKernel!.sqnrDb).toBeGreaterThan(20); // int8 per-channel: about 40 dB
    expect(passRecords.has('pruned-fails')).toBe(false);
    expect(passRecords.has('broken')).toBe(false);
    // the baseline graph is not modified, and the report is plain JSON
    expect(baseline.node('conv').weight('kernel').tensor.data).toEqual(before);
    expect(JSON.parse(JSON.stringify(report))).toEqual(report);
    expect(events).toContain('leaf-done');
  }, 60_000);

  it('measures agreement with the float baseline when the test data has no labels', async () => {
    const labelled = dataSourceFromDataset(toyData(32, 2));
    const unlabelled: DataSource = {
      ...labelled,
      labels: undefined,
      read: async (indices) => {
        const b = await labelled.read(indices);
        return { x: b.x, size: b.size };
      },
    };
    const classifier = toyModel();
    classifier.node('logits').attrs['activation'] = 'softmax';
    const { report } = await runTree(
      classifier,
      {
        branches: [{ id: 'baseline', label: 'b' }],
        leaves: [leaf('q', 'baseline', 'ptq(mode=int8)')],
      },
      {
        engine,
        data: { test: unlabelled, calibration: toyData(32, 3) },
        writer: weightsWriter,
        passRegistry: passes,
      },
    );
    expect(report.baseline).toBeNull();
    expect(report.leaves[0]!.metric).toMatchObject({
      kind: 'agreement',
      samples: 32,
      source: 'int8-simulation',
    });
    expect(report.leaves[0]!.metric!.value).toBeGreaterThan(0.8);
  });

  it('gives every branch and leaf the float model the tree started from as teacher', async () => {
    const teachers = new Map<string, Float32Array>();
    const registry = new PassRegistry();
    registerPruningPasses(registry);
    registerQuantizationPasses(registry);
    registry.register(
      definePass({
        name: 'recordTeacher',
        description: 'test pass that keeps the conv kernel of the teacher it is given',
        options: {},
        preserves: [],
        usesTeacher: true,
        run: (_graph, ctx) => {
          const kernel = ctx.teacher!.node('conv').weight('kernel').tensor.data as Float32Array;
          teachers.set(String(teachers.size), kernel.slice());
          return { changed: false };
        },
      }),
    );
    const baseline = toyModel();
    const float = (baseline.node('conv').weight('kernel').tensor.data as Float32Array).slice();
    const { report } = await runTree(
      baseline,
      {
        branches: [
          { id: 'baseline', label: 'b' },
          {
            id: 'pruned',
            from: 'baseline',
            pipeline: 'prune(sparsity=0.5, oneShot=true)',
            label: 'p',
          },
          { id: 'recorded', from: 'pruned', pipeline: 'recordTeacher', label: 'r' },
        ],
        leaves: [leaf('leaf', 'pruned', 'recordTeacher | ptq(mode=int8)')],
      },
      {
        engine,
        data: { train: toyData(64, 1), test: toyData(32, 2), calibration: toyData(32, 3) },
        writer: weightsWriter,
        passRegistry: registry,
      },
    );
    expect(report.leaves.map((l) => l.status)).toEqual(['ok']);
    // the branch and the leaf are both built on the pruned model, yet both distil from the float one
    expect(teachers.size).toBe(2);
    for (const kernel of teachers.values()) expect(kernel).toEqual(float);
    expect(float.some((v) => v === 0)).toBe(false);
  });

  it('gives the passes no validation data when it is the test data the tree measures on', async () => {
    const seen: string[][] = [];
    const registry = new PassRegistry();
    registerQuantizationPasses(registry);
    registry.register(
      definePass({
        name: 'recordData',
        description: 'test pass that keeps the names of the data sets it is given',
        options: {},
        preserves: [],
        run: (_graph, ctx) => {
          seen.push(Object.keys(ctx.data).sort());
          return { changed: false };
        },
      }),
    );
    const plan: TreePlan = {
      branches: [
        { id: 'baseline', label: 'b' },
        { id: 'recorded', from: 'baseline', pipeline: 'recordData', label: 'r' },
      ],
      leaves: [],
    };
    const train = toyData(64, 1);
    const test = toyData(32, 2);
    const run = (validation: Dataset) =>
      runTree(toyModel(), plan, {
        engine,
        data: { train, test, validation },
        writer: weightsWriter,
        passRegistry: registry,
      });
    await run(test);
    await run(toyData(32, 4));
    expect(seen).toEqual([
      ['test', 'train'],
      ['test', 'train', 'validation'],
    ]);
  });

  it('reports where each branch and leaf spent its time: every pass, evaluation, writing', async () => {
    let writes = 0;
    const { report } = await runTree(
      toyModel(),
      {
        branches: [
          { id: 'baseline', label: 'b' },
          {
            id: 'pruned',
            from: 'baseline',
            pipeline: 'prune(sparsity=0.5, oneShot=true)',
            label: 'p',
          },
        ],
        leaves: [
          leaf('pruned-ptq', 'pruned', 'prune(sparsity=0.6, oneShot=true) | ptq(mode=int8)'),
        ],
      },
      {
        engine,
        data: { train: toyData(64, 1), test: toyData(32, 2), calibration: toyData(32, 3) },
        writer: async (g) => {
          writes++;
          return weightsWriter(g);
        },
        passRegistry: passes,
      },
    );
    expect(writes).toBe(1);
    expect(report.branches[0]!.phases).toBeUndefined(); // the baseline is not built
    const pruned = report.branches[1]!.phases!;
    expect(pruned.passes.map((p) => p.pass)).toEqual(['prune']);
    expect(pruned.write).toBeUndefined();
    const leafPhases = report.leaves[0]!.phases!;
    expect(leafPhases.passes.map((p) => p.pass)).toEqual(['prune', 'ptq']);
    expect(leafPhases.check).toBeUndefined(); // no runtime check was asked for
    for (const p of [pruned, leafPhases]) {
      const parts = [...p.passes.map((x) => x.seconds), p.evaluate, p.write ?? 0];
      for (const s of parts) expect(s).toBeGreaterThanOrEqual(0);
    }
    // the phases are parts of the branch's and the leaf's wall time
    const sum = (p: typeof pruned) =>
      p.passes.reduce((s, x) => s + x.seconds, 0) + p.evaluate + (p.write ?? 0);
    expect(sum(pruned)).toBeLessThanOrEqual(report.branches[1]!.seconds + 0.002);
    expect(sum(leafPhases)).toBeLessThanOrEqual(report.leaves[0]!.seconds + 0.002);
    expect(report.leaves[0]!.seconds).toBeGreaterThan(0);
  });

  it('stops on cancellation instead of reporting it as a failed leaf', async () => {
    const controller = new AbortController();
    controller.abort(new Error('stop'));
    await expect(
      runTree(
        toyModel(),
        {
          branches: [{ id: 'baseline', label: 'b' }],
          leaves: [leaf('q', 'baseline', 'ptq(mode=int8)')],
        },
        {
          engine,
          data: { calibration: toyData(32, 3) },
          writer: weightsWriter,
          passRegistry: passes,
          signal: controller.signal,
        },
      ),
    ).rejects.toThrow();
  });
});
