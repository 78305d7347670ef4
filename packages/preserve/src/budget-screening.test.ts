import { createDataset, createEngine } from '@collabopt/engine';
import {
  dropStandardError,
  screeningEvaluator,
  screeningSubset,
  screeningVerdict,
} from './budget-screening';
import { toyData, toyModel } from '../test/toy-model';

describe('dropStandardError (points)', () => {
  it('paired: √(changed share / n), the binomial bound of the drop of n images', () => {
    // 5 % of 2,000 predictions changed: √(0.05 / 2000) = 0.005 → 0.5 points
    expect(
      dropStandardError({ baseline: 0.85, metric: 0.84, samples: 2000, changedFraction: 0.05 }),
    ).toBeCloseTo(0.5, 12);
    // the same share on 10,000 images: √(0.05 / 10000) = 0.002236 → 0.2236 points
    expect(
      dropStandardError({ baseline: 0.85, metric: 0.84, samples: 10000, changedFraction: 0.05 }),
    ).toBeCloseTo(0.22360679775, 9);
    // no prediction changed: the drop is exact
    expect(
      dropStandardError({ baseline: 0.9, metric: 0.9, samples: 100, changedFraction: 0 }),
    ).toBe(0);
  });

  it('unpaired when the changed share is unknown: √((p₀(1−p₀) + p₁(1−p₁)) / n)', () => {
    // (0.9·0.1 + 0.8·0.2) / 100 = 0.0025 → 0.05 → 5 points
    expect(dropStandardError({ baseline: 0.9, metric: 0.8, samples: 100 })).toBeCloseTo(5, 12);
    expect(dropStandardError({ baseline: 0.9, metric: 0.8, samples: 0 })).toBe(Infinity);
  });
});

describe('screeningVerdict', () => {
  // subset of 2,000, 5 % changed: SE 0.5 points, margin (z = 2) 1.0 point
  const at = (metric: number) => ({ baseline: 0.85, metric, samples: 2000, changedFraction: 0.05 });

  it("last session's MobileNet case: 0.35 points on 2,000 images against a 0.5 budget is re-checked, not accepted", () => {
    const v = screeningVerdict(at(0.8465), 0.5);
    expect(v.verdict).toBe('recheck');
    expect(v.drop).toBeCloseTo(0.35, 9);
    expect(v.margin).toBeCloseTo(1, 12);
  });

  it('within when drop + margin ≤ budget, over when drop − margin > budget: the boundary cases, hand-computed', () => {
    expect(screeningVerdict(at(0.855), 0.5).verdict).toBe('within'); // −0.5 + 1 = 0.5 ≤ 0.5
    expect(screeningVerdict(at(0.8549), 0.5).verdict).toBe('recheck'); // −0.49 + 1 = 0.51 > 0.5
    expect(screeningVerdict(at(0.835), 0.5).verdict).toBe('recheck'); // 1.5 − 1 = 0.5, not > 0.5
    expect(screeningVerdict(at(0.8349), 0.5).verdict).toBe('over'); // 1.51 − 1 = 0.51 > 0.5
    // z = 1 halves the margin: 0.35 + 0.5 = 0.85 > 0.5 still re-checks; 0 + 0.5 ≤ 0.5 is within
    expect(screeningVerdict(at(0.85), 0.5, 1).verdict).toBe('within');
    // an exact subset (nothing changed) decides by the drop alone
    expect(
      screeningVerdict({ baseline: 0.9, metric: 0.895, samples: 200, changedFraction: 0 }, 0.5)
        .verdict,
    ).toBe('within');
    expect(
      screeningVerdict({ baseline: 0.9, metric: 0.894, samples: 200, changedFraction: 0 }, 0.5)
        .verdict,
    ).toBe('over');
  });
});

describe('screeningSubset', () => {
  const data = createDataset(
    Float32Array.from({ length: 10 }, (_, i) => i),
    Int32Array.from({ length: 10 }, (_, i) => i % 3),
    [1],
    'ten',
  );

  it('spreads the samples over the whole set and names them', async () => {
    const s = screeningSubset(data, 4)!;
    expect(s.count).toBe(4);
    expect(s.name).toBe('ten (4 of 10)');
    const xs: number[] = [];
    for await (const b of (await import('@collabopt/engine')).readBatches(s, 10)) xs.push(...b.x);
    expect(xs).toEqual([0, 2, 5, 7]); // floor(i · 10 / 4)
  });

  it('no subset when it would hold every sample', () => {
    expect(screeningSubset(data, 10)).toBeUndefined();
    expect(screeningSubset(data, 0)).toBeUndefined();
  });
});

describe('screeningEvaluator', () => {
  it('pairs the model with the float model on the same subset: accuracy as the engine measures it, and the share of changed predictions', async () => {
    const engine = await createEngine({ backend: 'cpu' });
    const data = toyData(60, 2);
    const subset = screeningSubset(data, 30)!;
    const teacher = toyModel();
    const screen = screeningEvaluator(engine, subset, teacher);
    const same = await screen(teacher, { quantized: false });
    const engineFigure = await engine.evaluate(teacher, subset);
    expect(same).toEqual({
      kind: 'accuracy',
      value: engineFigure.accuracy,
      samples: 30,
      source: 'float',
      changedFraction: 0,
    });
    // negated logits weights flip every prediction of a two-class model (ties aside)
    const flipped = toyModel();
    const logits = flipped.nodes.find((n) => n.name === 'logits')!;
    for (const w of Object.values(logits.weights)) {
      const d = w.tensor.data as Float32Array;
      for (let i = 0; i < d.length; i++) d[i] = -d[i]!;
    }
    const other = (await screen(flipped, { quantized: false }))!;
    expect(other.changedFraction).toBeGreaterThan(0.9);
    expect(other.value).toBeCloseTo((await engine.evaluate(flipped, subset)).accuracy!, 12);
  });
});
