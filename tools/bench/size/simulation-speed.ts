/**
 * Speed of the int8 simulation the sensitivity pass and the budget search evaluate with (issue #17):
 * per probe, the engine's simulated evaluation of the reference CNN on the Fashion-MNIST test set
 * against the float evaluation of the same model measured in the same run (ratio of medians).
 *
 *   npx tsx --tsconfig tools/bench/size/tsconfig.json tools/bench/size/simulation-speed.ts [--samples=10000] [--reps=3]
 *
 * The weights are untrained (speed does not depend on them).
 */
import { cpus, loadavg } from 'node:os';
import { formatTable } from '@collabopt/core';
import { registerAllPlugins } from '@collabopt/cli';
import { createDataset, getEngine, loadFashionMnist, referenceCnn } from '@collabopt/engine';
import { probePipeline, runPipelineCopy, type SensitivityProbe } from '@collabopt/preserve';
import { simulationTransform } from '@collabopt/quantization';
import { arg } from '../args';

const SAMPLES = Number(arg('samples', '10000'));
const REPS = Number(arg('reps', '3'));

const median = (xs: number[]): number => {
  const s = [...xs].sort((a, b) => a - b);
  return s.length % 2 ? s[(s.length - 1) / 2]! : (s[s.length / 2 - 1]! + s[s.length / 2]!) / 2;
};

async function main(): Promise<void> {
  registerAllPlugins();
  const engine = await getEngine();
  const fashion = loadFashionMnist();
  const per = fashion.test.sampleShape.reduce((a, b) => a * b, 1);
  const n = Math.min(SAMPLES, fashion.test.count);
  const test = createDataset(
    fashion.test.x.subarray(0, n * per),
    fashion.test.y.subarray(0, n),
    fashion.test.sampleShape,
    'fashion-mnist/test',
  );
  const baseline = referenceCnn(0);
  const context = { engine, data: { train: fashion.train, test }, seed: 0, teacher: baseline };
  const probes: { label: string; probe?: SensitivityProbe; layer?: string }[] = [
    { label: 'float' },
    { label: 'int8 conv2', probe: 'int8', layer: 'conv2' },
    { label: 'int4 conv2', probe: 'int4', layer: 'conv2' },
    { label: 'int4 dense1', probe: 'int4', layer: 'dense1' },
  ];
  const graphs = await Promise.all(
    probes.map((p) =>
      p.probe ? runPipelineCopy(baseline, probePipeline(p.probe, p.layer!), context) : baseline,
    ),
  );
  const seconds: number[][] = probes.map(() => []);
  for (let r = 0; r < REPS; r++)
    for (const [i, p] of probes.entries()) {
      const g = graphs[i]!;
      const t0 = performance.now();
      await engine.evaluate(
        g,
        test,
        p.probe ? { activationTransforms: [simulationTransform(g)] } : {},
      );
      seconds[i]!.push((performance.now() - t0) / 1000);
    }
  const float = median(seconds[0]!);
  console.log(
    `simulation speed, reference CNN, ${n} test images, backend ${engine.backend}, median of ${REPS}; load average ${loadavg()
      .map((l) => l.toFixed(1))
      .join(' ')} on ${cpus().length} CPUs`,
  );
  console.log(
    formatTable(
      ['evaluation', 'median s', 'vs float'],
      probes.map((p, i) => [
        p.label,
        median(seconds[i]!).toFixed(2),
        `${(median(seconds[i]!) / float).toFixed(2)}×`,
      ]),
    ),
  );
  console.log(
    `key: ${probes
      .slice(1)
      .map((p, i) => `${p.label} ${(median(seconds[i + 1]!) / float).toFixed(2)}× float`)
      .join(', ')}`,
  );
}

void main();
