/**
 * A/B of whole wasm training steps with the direct SIMD convolution gradients
 * (src/wasm-kernels/conv2d-backprop-{filter,input}-simd.ts) switched on and off, interleaved in
 * one process (same load for both), median of the rounds.
 *
 *   npx tsc -b packages/engine/tsconfig.json && npx tsx tools/bench/engine/conv-grad-training-ab.ts [rounds]
 */
import { median } from '../stats';
import { SMALL_CNNS, benchEngine, timedEpoch, trainingExamples } from './bench-setup';
import { loadDrift } from './cpu-info';

const {
  setBlockedFilterGradEnabled,
  setBlockedInputGradEnabled,
  // eslint-disable-next-line @typescript-eslint/no-require-imports
} = require('../../../packages/engine/dist/wasm-kernels');

const BATCH = 64;
const STEPS = 10;

async function main(): Promise<void> {
  const rounds = Number(process.argv[2] ?? 5);
  const engine = await benchEngine('wasm');
  const data = trainingExamples(BATCH * STEPS);
  const load = loadDrift();
  for (const [name, build] of SMALL_CNNS) {
    const graph = build(0);
    const ms: Record<'direct' | 'transposedConv', number[]> = { direct: [], transposedConv: [] };
    for (let r = 0; r <= rounds; r++) {
      for (const variant of ['direct', 'transposedConv'] as const) {
        setBlockedFilterGradEnabled(variant === 'direct');
        setBlockedInputGradEnabled(variant === 'direct');
        const t = await timedEpoch(engine, graph, data, BATCH, STEPS);
        if (r > 0) ms[variant].push(t.wallMs); // round 0 warms up
      }
    }
    const d = median(ms.direct);
    const t = median(ms.transposedConv);
    console.log(
      `${name} batch ${BATCH}: ms per step direct ${d.toFixed(1)}, transposed conv ${t.toFixed(1)}; speed-up ${(t / d).toFixed(2)}× (median of ${rounds} interleaved rounds)`,
    );
  }
  setBlockedFilterGradEnabled(true);
  setBlockedInputGradEnabled(true);
  console.log(load.report());
}
void main();
