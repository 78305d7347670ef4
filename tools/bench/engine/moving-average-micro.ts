/**
 * Microbenchmark behind src/moving-averages.ts: the 18 batch-norm moving-statistic updates of a
 * MobileNet-v1-style step (9 batch norms of 16–128 channels) as one flat multiply-add vs four
 * small ops per update, interleaved in one process, on one backend.
 *
 *   npx tsc -b packages/engine/tsconfig.json && npx tsx tools/bench/engine/moving-average-micro.ts [wasm|tensorflow]
 */
import * as os from 'node:os';
import { GraphBuilder } from '@collabopt/core';
import { activateBackend, tf, type BackendName } from '@collabopt/engine';
import { formatTimes, interleave } from './interleave';

const {
  applyMovingAverages,
  // eslint-disable-next-line @typescript-eslint/no-require-imports
} = require('../../../packages/engine/dist/moving-averages');

const CHANNELS = [16, 16, 32, 32, 64, 64, 64, 64, 128];
const MOMENTUM = 0.99;

async function main(): Promise<void> {
  const backend = (process.argv[2] ?? 'wasm') as BackendName;
  await activateBackend(backend);
  const b = new GraphBuilder('bn', { seed: 0 });
  const node = b.build(b.layer('BatchNorm', 'bn', b.input('x', [-1, 4]), {})).node('bn');
  const updates = CHANNELS.flatMap((c) =>
    ['movingMean', 'movingVariance'].map((slot) => ({
      node,
      slot,
      state: tf.randomNormal([c]),
      batch: tf.randomNormal([c]),
      momentum: MOMENTUM,
    })),
  );
  const out: tf.Tensor[] = [];
  const collect = (_n: unknown, _s: string, v: tf.Tensor): void => void out.push(v);
  const times = interleave(
    {
      flat: () => tf.tidy(() => (applyMovingAverages(updates, collect), out.splice(0))),
      perUpdate: () =>
        tf.tidy(() =>
          updates.map((u) => tf.add(tf.mul(u.state, MOMENTUM), tf.mul(u.batch, 1 - MOMENTUM))),
        ),
    },
    { warmup: 5, rounds: 100 },
  );
  console.log(
    `${backend}, ${updates.length} updates: ${formatTimes(times)}; ${(times['perUpdate']! / times['flat']!).toFixed(2)}× ` +
      `(load average ${os.loadavg()[0]!.toFixed(1)}, shared 2-core machine)`,
  );
}
void main();
