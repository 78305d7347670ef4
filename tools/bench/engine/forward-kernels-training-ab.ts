/**
 * A/B of whole wasm training steps with the direct SIMD forward convolution and 2×2 max pooling
 * (src/wasm-kernels/conv2d-forward-simd.ts, max-pool-simd.ts) switched on ("direct") and off
 * (XNNPACK's, "xnnpack"), and
 * the direct kernels with the 3×3 stride-1 convolutions by Winograd F(2×2, 3×3) ("winograd",
 * src/wasm-kernels/conv2d-forward-winograd.ts), also their input gradients ("winogradDx",
 * conv2d-backprop-input-winograd.ts), interleaved in one process (same load for both), median of the rounds: wall ms per step and
 * process CPU ms per step (all threads; with 1 thread the step's own work, which preemption on a
 * loaded machine does not inflate).
 *
 *   npx tsc -b packages/engine/tsconfig.json
 *   COLLABOPT_WASM_THREADS=2 npx tsx tools/bench/engine/forward-kernels-training-ab.ts [rounds] [batch]
 */
import { median } from '../stats';
import { SMALL_CNNS, benchEngine, timedEpoch, trainingExamples, wasmThreads } from './bench-setup';
import { loadDrift } from './cpu-info';

const {
  setDirectForwardConvEnabled,
  setDirectMaxPoolEnabled,
  setWinogradForwardConvEnabled,
  setWinogradInputGradEnabled,
  // eslint-disable-next-line @typescript-eslint/no-require-imports
} = require('../../../packages/engine/dist/wasm-kernels');

const STEPS = 10;

async function main(): Promise<void> {
  const rounds = Number(process.argv[2] ?? 5);
  const batch = Number(process.argv[3] ?? 128);
  const engine = await benchEngine('wasm');
  console.log(`wasm ${wasmThreads()} threads, batch ${batch}`);
  const data = trainingExamples(batch * STEPS);
  const load = loadDrift();
  for (const [name, build] of SMALL_CNNS) {
    const graph = build(0);
    const variants = ['direct', 'winograd', 'winogradDx', 'xnnpack'] as const;
    type Variant = (typeof variants)[number];
    const ms: Record<Variant, number[]> = { direct: [], winograd: [], winogradDx: [], xnnpack: [] };
    const cpu: Record<Variant, number[]> = {
      direct: [],
      winograd: [],
      winogradDx: [],
      xnnpack: [],
    };
    for (let r = 0; r <= rounds; r++) {
      for (const variant of variants) {
        setDirectForwardConvEnabled(variant !== 'xnnpack');
        setDirectMaxPoolEnabled(variant !== 'xnnpack');
        setWinogradForwardConvEnabled(variant === 'winograd' || variant === 'winogradDx');
        setWinogradInputGradEnabled(variant === 'winogradDx');
        const t = await timedEpoch(engine, graph, data, batch, STEPS);
        if (r > 0) {
          // round 0 warms up
          ms[variant].push(t.wallMs);
          cpu[variant].push(t.cpuMs);
        }
      }
    }
    const d = median(ms.direct);
    const x = median(ms.xnnpack);
    const dc = median(cpu.direct);
    const xc = median(cpu.xnnpack);
    const w = median(ms.winograd);
    const wc = median(cpu.winograd);
    const wd = median(ms.winogradDx);
    const wdc = median(cpu.winogradDx);
    console.log(
      `${name} batch ${batch}: ms per step direct ${d.toFixed(1)} (cpu ${dc.toFixed(1)}), winograd ${w.toFixed(1)} (cpu ${wc.toFixed(1)}), xnnpack ${x.toFixed(1)} (cpu ${xc.toFixed(1)}); direct vs xnnpack ${(x / d).toFixed(2)}× wall, ${(xc / dc).toFixed(2)}× cpu; winograd vs direct ${(d / w).toFixed(2)}× wall, ${(dc / wc).toFixed(2)}× cpu; winogradDx ${wd.toFixed(1)} (cpu ${wdc.toFixed(1)}) vs direct ${(d / wd).toFixed(2)}× wall, ${(dc / wdc).toFixed(2)}× cpu (medians of ${rounds} interleaved rounds)`,
    );
  }
  setDirectForwardConvEnabled(true);
  setDirectMaxPoolEnabled(true);
  setWinogradForwardConvEnabled(true);
  setWinogradInputGradEnabled(true);
  console.log(load.report());
}
void main();
