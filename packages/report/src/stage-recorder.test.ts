import { twoDenseGraph } from '../test/two-dense-graph';
import type { Pass } from '@collabopt/core';
import { StageRecorder, sqnrOfPassReport } from './stage-recorder';

describe('StageRecorder', () => {
  it('keeps a copy of the graph after each pass and the SQNR the passes report', () => {
    const g = twoDenseGraph(new Array(12).fill(0.25));
    const recorder = new StageRecorder({ label: 'input', graph: g });
    const pass = { name: 'ptq' } as Pass;
    recorder.afterPass(pass, g, {
      changed: true,
      report: {
        weights: [{ node: 'hidden', slot: 'kernel', dtype: 'int8', channels: 3, sqnrDb: 38.5 }],
        activations: [{ value: 'hidden:0', sqnrDb: 29 }, { value: 3 }],
      },
    });
    (g.node('hidden').weight('kernel').tensor.data as Float32Array)[0] = 9; // later edits…
    expect(recorder.stages.map((s) => s.id)).toEqual(['input', '1-ptq']);
    // …do not reach the recorded copies
    for (const s of recorder.stages)
      expect((s.graph.node('hidden').weight('kernel').tensor.data as Float32Array)[0]).toBe(0.25);
    expect(recorder.weightSqnr).toEqual([{ node: 'hidden', slot: 'kernel', sqnrDb: 38.5 }]);
    expect(recorder.activationSqnr).toEqual([{ value: 'hidden:0', sqnrDb: 29 }]);
  });

  it('reads nothing from a report without SQNR figures', () => {
    expect(sqnrOfPassReport({ sparsity: 0.5 })).toEqual({ weightSqnr: [], activationSqnr: [] });
    expect(sqnrOfPassReport(undefined)).toEqual({ weightSqnr: [], activationSqnr: [] });
  });
});
