import { seedPathGraphs as pathGraphs } from '../test/two-dense-graph';
import { densityFigure, distinctValues, histogram } from './density';

const f = Math.fround;

describe('density figure', () => {
  it('bins values over a domain, the top edge in the last bin', () => {
    const bins = histogram([0, 0.1, 0.5, 0.99, 1], [0, 1], 4);
    expect(bins.map((b) => b.count)).toEqual([2, 0, 1, 2]);
    expect(bins[1]).toEqual({ x0: 0.25, x1: 0.5, count: 0 });
  });

  it('lists distinct values with counts, −0 with 0, and gives up past the limit', () => {
    expect(distinctValues([0.5, -0, 0, 0.5, -1])).toEqual([
      { value: -1, count: 1 },
      { value: 0, count: 2 },
      { value: 0.5, count: 2 },
    ]);
    expect(distinctValues([1, 2, 3], 2)).toBeUndefined();
  });

  it('shows the seed path: continuous, spike at zero, k spikes, k spikes on the grid', () => {
    const [baseline, pruned, clustered, quantized] = pathGraphs();
    const figure = densityFigure(
      [
        { id: 'baseline', label: 'baseline', graph: baseline! },
        { id: 'pruned', label: 'pruned', graph: pruned! },
        { id: 'clustered', label: 'clustered', graph: clustered! },
        { id: 'int8', label: 'int8', graph: quantized! },
      ],
      { node: 'hidden', slot: 'kernel' },
    );
    expect(figure.shape).toEqual([4, 3]);
    // common domain: [−0.5, 0.5] padded by 2% of its width
    expect(figure.domain[0]).toBeCloseTo(-0.52, 6);
    expect(figure.domain[1]).toBeCloseTo(0.52, 6);
    const [s0, s1, s2, s3] = figure.stages;
    expect(s0!.zeros).toBe(0);
    expect(s0!.uniqueValues).toBe(12);
    expect(s1!.zeros).toBe(4);
    expect(s1!.uniqueValues).toBe(9);
    expect(s2!.spikes).toEqual([
      { value: f(-0.4), count: 3 },
      { value: 0, count: 4 },
      { value: f(0.35), count: 5 },
    ]);
    expect(s2!.centroids).toEqual([f(-0.4), 0, f(0.35)]);
    expect(s2!.gridStep).toBeUndefined();
    expect(s3!.gridStep).toBe(f(0.05));
    expect(s3!.bits).toBe(8);
    for (const s of figure.stages) {
      expect(s.count).toBe(12);
      expect(s.bins.reduce((a, b) => a + b.count, 0)).toBe(12);
    }
    // JSON-serialisable: survives a round trip unchanged
    expect(JSON.parse(JSON.stringify(figure))).toEqual(figure);
  });

  it('names the stage that lacks the kernel', () => {
    const [baseline] = pathGraphs();
    expect(() =>
      densityFigure([{ id: 'b', label: 'b', graph: baseline! }], { node: 'nope', slot: 'kernel' }),
    ).toThrow(/stage "b" has no float weight "nope\/kernel"/);
  });
});
