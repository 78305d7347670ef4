/**
 * A/B of whole wasm training steps with the optimizer step's two wasm kernels on and off,
 * interleaved in one process (same load for all variants, the order rotating per round): "after" (the fused Adam kernel,
 * src/wasm-kernels/adam-update.ts, and contiguous Slice/SplitV in the heap, contiguous-slice.ts),
 * "composedAdam" (Adam as TF.js's elementwise kernels: the fused kernel unregistered),
 * "before" (that and the stock Slice/SplitV, which copy the whole flat buffer out of the heap per
 * part). Median wall ms and process CPU ms per step (all threads; with one thread the step's own
 * work, which preemption on a loaded machine does not inflate), per model.
 *
 *   npx tsc -b packages/engine/tsconfig.json
 *   COLLABOPT_WASM_THREADS=1 npx tsx tools/bench/engine/optimizer-step-training-ab.ts [rounds] [batch] [models]
 */
import { tf } from '@collabopt/engine';
import { median } from '../stats';
import { benchEngine, benchModel, timedEpoch, trainingExamples, wasmThreads } from './bench-setup';
import { loadDrift } from './cpu-info';

const {
  ADAM_UPDATE,
  setHeapSliceEnabled,
  // eslint-disable-next-line @typescript-eslint/no-require-imports
} = require('../../../packages/engine/dist/wasm-kernels');

const STEPS = 10;
const VARIANTS = ['after', 'composedAdam', 'before'] as const;
type Variant = (typeof VARIANTS)[number];

async function main(): Promise<void> {
  const rounds = Number(process.argv[2] ?? 5);
  const batch = Number(process.argv[3] ?? 64);
  const models = (process.argv[4] ?? 'reference,bench').split(',');
  const engine = await benchEngine('wasm');
  const fused = tf.getKernel(ADAM_UPDATE, 'wasm');
  if (fused === undefined) throw new Error(`${ADAM_UPDATE} is not registered for wasm`);
  console.log(`wasm ${wasmThreads()} threads, batch ${batch}, ${STEPS} steps per timing`);
  const data = trainingExamples(batch * STEPS);
  const load = loadDrift();
  for (const name of models) {
    const graph = benchModel(name)(0);
    const wall = Object.fromEntries(VARIANTS.map((v) => [v, [] as number[]])) as Record<
      Variant,
      number[]
    >;
    const cpu = Object.fromEntries(VARIANTS.map((v) => [v, [] as number[]])) as Record<
      Variant,
      number[]
    >;
    for (let r = 0; r <= rounds; r++) {
      // Each round starts with another variant: what one leaves behind (garbage, cache state)
      // does not always fall on the same next one.
      for (const variant of VARIANTS.map((_, i) => VARIANTS[(i + r) % VARIANTS.length]!)) {
        if (variant !== 'after') tf.unregisterKernel(ADAM_UPDATE, 'wasm');
        setHeapSliceEnabled(variant !== 'before');
        try {
          const t = await timedEpoch(engine, graph, data, batch, STEPS);
          if (r > 0) {
            // round 0 warms up
            wall[variant].push(t.wallMs);
            cpu[variant].push(t.cpuMs);
          }
        } finally {
          if (variant !== 'after') tf.registerKernel(fused);
          setHeapSliceEnabled(true);
        }
      }
    }
    const f = (v: Variant): string =>
      `${median(wall[v]).toFixed(2)} (cpu ${median(cpu[v]).toFixed(2)})`;
    const gain = (v: Variant): string =>
      `${(median(wall[v]) / median(wall.after)).toFixed(2)}× wall, ${(median(cpu[v]) / median(cpu.after)).toFixed(2)}× cpu`;
    console.log(
      `${name} batch ${batch}: ms per step after ${f('after')}, composedAdam ${f('composedAdam')}, before ${f('before')}; after faster than before ${gain('before')}, than composedAdam ${gain('composedAdam')} (medians of ${rounds} interleaved rounds)`,
    );
  }
  console.log(load.report());
}
void main();
