import { PassRegistry } from '@collabopt/core';
import { registerClusteringPasses } from '@collabopt/clustering';
import { createEngine, type Engine } from '@collabopt/engine';
import { registerPruningPasses } from '@collabopt/pruning';
import { registerQuantizationPasses } from '@collabopt/quantization';
import {
  bySensitivity,
  probePipeline,
  runSensitivity,
  sensitivityColumn,
  type SensitivityReport,
} from './sensitivity';
import { toyData, toyModel } from '../test/toy-model';

describe('probePipeline', () => {
  it('applies each probe to the one layer through the passes’ own layer options', () => {
    expect(probePipeline('int8', 'conv')).toBe('ptq(mode=int8, layers=["conv"])');
    expect(probePipeline('int4', 'conv')).toBe(
      'ptq(mode=int8, layers=["conv"], layerBits="conv:4")',
    );
    expect(probePipeline('prune50', 'd')).toBe('prune(sparsity=0.5, oneShot=true, layers=["d"])');
    expect(probePipeline('cluster16', 'd')).toBe(
      'cluster(clusters=16, oneShot=true, layers=["d"])',
    );
  });
});

describe('runSensitivity', () => {
  let engine: Engine;
  const passes = new PassRegistry();
  beforeAll(async () => {
    engine = await createEngine({ backend: 'cpu' });
    registerPruningPasses(passes);
    registerClusteringPasses(passes);
    registerQuantizationPasses(passes);
  });

  it('measures every probe on every kernel layer; the drop is baseline − metric in points', async () => {
    const test = toyData(40, 2);
    const lines: string[] = [];
    const report = await runSensitivity(toyModel(), {
      engine,
      data: { test, calibration: toyData(20, 5), train: toyData(20, 5) },
      passRegistry: passes,
      seed: 1,
      onLayer: (l) => lines.push(l.layer),
    });
    expect(lines).toEqual(['conv', 'logits']);
    expect(report.kind).toBe('accuracy');
    expect(report.samples).toBe(40);
    for (const l of report.layers) {
      expect(l.errors).toBeUndefined();
      for (const p of report.probes) {
        expect(l.metric[p]).toBeGreaterThanOrEqual(0);
        expect(l.drop[p]).toBeCloseTo((report.baseline - l.metric[p]!) * 100, 9);
      }
    }
    expect(report.layers.map((l) => l.params)).toEqual([4 * 9 + 4, 4 * 4 * 4 * 2 + 2]);
  });

  it('orders layers by drop and gives the report package its sensitivity column (fractions)', () => {
    const report: SensitivityReport = {
      kind: 'accuracy',
      baseline: 0.9,
      samples: 10,
      probes: ['int8'],
      seconds: 0,
      layers: [
        { layer: 'a', op: 'Conv2D', params: 1, metric: { int8: 0.89 }, drop: { int8: 1 } },
        { layer: 'b', op: 'Dense', params: 1, metric: { int8: null }, drop: { int8: null } },
        { layer: 'c', op: 'Dense', params: 1, metric: { int8: 0.8 }, drop: { int8: 10 } },
      ],
    };
    expect(bySensitivity(report, 'int8').map((l) => l.layer)).toEqual(['b', 'c', 'a']);
    expect(sensitivityColumn(report)).toEqual({ a: 0.01, c: 0.1 });
  });
});
