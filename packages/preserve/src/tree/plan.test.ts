import { pruneFrequencyFor, treePlan } from './plan';
import { treePlanFromRecipe } from './recipe';

describe('tree plan', () => {
  it('is the deployment tree of DESIGN.md by default', () => {
    const plan = treePlan();
    expect(plan.branches.map((b) => b.id)).toEqual([
      'baseline',
      'pruned',
      'pruned-clustered',
      'clustered',
    ]);
    expect(plan.leaves.map((l) => l.label)).toEqual([
      'baseline → PTQ',
      'baseline → QAT',
      'pruned → PTQ',
      'pruned → PQAT',
      'pruned → sp-clustered → PTQ',
      'pruned → sp-clustered → PCQAT',
      'clustered → PTQ',
      'clustered → CQAT',
    ]);
    expect(plan.branches[2]!.pipeline).toBe(
      'sparsityPreservingCluster(clusters=16, epochs=1, kmeansIterations=100, learningRate=0.0001)',
    );
    expect(plan.leaves[5]!.requires).toEqual(['pcqat']);
  });

  it('takes the knobs: sparsity, clusters, per-channel, epochs, learning rate', () => {
    const plan = treePlan({
      sparsity: 0.75,
      clusters: 8,
      perChannel: true,
      pruneEpochs: 3,
      clusterEpochs: 2,
      qatEpochs: 4,
      learningRate: 0.001,
    });
    expect(plan.branches[1]!.pipeline).toBe('prune(sparsity=0.75, epochs=3, learningRate=0.001)');
    expect(plan.branches[3]!.pipeline).toBe(
      'cluster(clusters=8, epochs=2, kmeansIterations=100, learningRate=0.001, perChannel=true)',
    );
    expect(plan.leaves[7]!.pipeline).toBe('cqat(epochs=4, learningRate=0.001)');
    expect(treePlan({ pruneFrequency: 7 }).branches[1]!.pipeline).toBe(
      'prune(sparsity=0.5, epochs=2, frequency=7)',
    );
    // 2,000 samples = 16 steps of 128 per epoch: 2 epochs → an update every 6 steps
    expect(pruneFrequencyFor(2000, 2)).toBe(6);
    expect(pruneFrequencyFor(60000, 2)).toBeUndefined();
    expect(pruneFrequencyFor(100, 1)).toBe(1);
    expect(() => treePlan({ sparsity: 1 })).toThrow(/sparsity must be in \[0, 1\)/);
    expect(() => treePlan({ clusters: 1 })).toThrow(/clusters/);
  });

  it('reads a recipe of knobs, with command-line overrides winning', () => {
    const plan = treePlanFromRecipe({ sparsity: 0.8, clusters: 4 }, { clusters: 32 });
    expect(plan.branches[1]!.pipeline).toContain('sparsity=0.8');
    expect(plan.branches[3]!.pipeline).toContain('clusters=32');
    expect(() => treePlanFromRecipe({ sparsty: 0.8 }, {}, 'tree.json')).toThrow(
      /tree\.json: unknown key "sparsty"/,
    );
    expect(() => treePlanFromRecipe({ clusters: '8' }, {}, 'tree.json')).toThrow(
      /"clusters" must be a number/,
    );
  });

  it('reads a whole tree from a recipe and checks its structure', () => {
    const plan = treePlanFromRecipe({
      branches: [
        { id: 'baseline' },
        { id: 'p', from: 'baseline', pipeline: 'prune(sparsity=0.9)' },
      ],
      leaves: [{ id: 'p-pqat', from: 'p', pipeline: 'pqat(epochs=1) | ptq(mode=int8)' }],
    });
    expect(plan.leaves).toEqual([
      {
        id: 'p-pqat',
        from: 'p',
        label: 'p-pqat',
        pipeline: 'pqat(epochs=1) | ptq(mode=int8)',
        requires: ['pqat', 'ptq'],
      },
    ]);
    expect(() =>
      treePlanFromRecipe(
        { branches: [{ id: 'baseline' }], leaves: [{ id: 'x', from: 'nope', pipeline: 'ptq' }] },
        {},
        'tree.json',
      ),
    ).toThrow(/tree\.json: tree plan: leaf "x" names an unknown branch "nope"/);
    expect(() =>
      treePlanFromRecipe({ branches: [{ id: 'baseline' }], leaves: [], sparsity: 0.5 }),
    ).toThrow(/knobs/);
  });
});
