/**
 * A/B of whole wasm training steps with this session's step kernels on and off, interleaved in
 * one process (same load for all variants, the order rotating per round):
 *   after         everything on;
 *   xnnpackDense  dense products by the stock XNNPACK kernels (src/wasm-kernels/dense-gemm.ts off);
 *   composedAdam  Adam as TF.js's elementwise kernels (adam-update.ts unregistered);
 *   stockSlice    Slice/SplitV by the stock kernels (contiguous-slice.ts off);
 *   before        all three off.
 * Median wall ms and process CPU ms per step (all threads; with one thread the step's own work,
 * which preemption on a loaded machine does not inflate) and the minimum CPU ms (the round least
 * disturbed by other processes' use of the caches), per model.
 *
 *   npx tsc -b packages/engine/tsconfig.json
 *   COLLABOPT_WASM_THREADS=1 npx tsx tools/bench/engine/step-kernels-training-ab.ts [rounds] [batch] [models]
 */
import { tf } from '@collabopt/engine';
import { median } from '../stats';
import { benchEngine, benchModel, timedEpoch, trainingExamples, wasmThreads } from './bench-setup';
import { loadDrift } from './cpu-info';

const {
  ADAM_UPDATE,
  setDenseGemmEnabled,
  setHeapSliceEnabled,
  // eslint-disable-next-line @typescript-eslint/no-require-imports
} = require('../../../packages/engine/dist/wasm-kernels');

const STEPS = 10;
const VARIANTS = ['after', 'xnnpackDense', 'composedAdam', 'stockSlice', 'before'] as const;
type Variant = (typeof VARIANTS)[number];

async function main(): Promise<void> {
  const rounds = Number(process.argv[2] ?? 5);
  const batch = Number(process.argv[3] ?? 64);
  const models = (process.argv[4] ?? 'reference,bench').split(',');
  const engine = await benchEngine('wasm');
  const fusedAdam = tf.getKernel(ADAM_UPDATE, 'wasm');
  if (fusedAdam === undefined) throw new Error(`${ADAM_UPDATE} is not registered for wasm`);
  const set = (v: Variant): void => {
    setDenseGemmEnabled(v !== 'xnnpackDense' && v !== 'before');
    setHeapSliceEnabled(v !== 'stockSlice' && v !== 'before');
    const adam = v !== 'composedAdam' && v !== 'before';
    if (adam && tf.getKernel(ADAM_UPDATE, 'wasm') === undefined) tf.registerKernel(fusedAdam);
    if (!adam) tf.unregisterKernel(ADAM_UPDATE, 'wasm');
  };
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
        set(variant);
        try {
          const t = await timedEpoch(engine, graph, data, batch, STEPS);
          if (r > 0) {
            // round 0 warms up
            wall[variant].push(t.wallMs);
            cpu[variant].push(t.cpuMs);
          }
        } finally {
          set('after');
        }
      }
    }
    const f = (v: Variant): string =>
      `${v} ${median(wall[v]).toFixed(2)} (cpu ${median(cpu[v]).toFixed(2)}, min ${Math.min(...cpu[v]).toFixed(2)})`;
    const gain = (v: Variant): string =>
      `${v} ${(median(wall[v]) / median(wall.after)).toFixed(2)}× wall, ${(median(cpu[v]) / median(cpu.after)).toFixed(2)}× cpu`;
    console.log(
      `${name} batch ${batch}: ms per step ${VARIANTS.map(f).join(', ')}; after faster than ${VARIANTS.slice(1).map(gain).join('; ')} (medians of ${rounds} interleaved rounds)`,
    );
  }
  console.log(load.report());
}
void main();
