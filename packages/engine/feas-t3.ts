import { silentLogger } from '@collabopt/core';
import { activateBackend, createEngine, loadFashionMnist, take, tf } from './src/index';
import { benchModel } from '../../tools/bench/engine/bench-setup';
async function main() {
  const model = process.argv[2] ?? 'reference';
  const batch = Number(process.argv[3] ?? 64);
  const steps = Number(process.argv[4] ?? 200);
  await activateBackend('tensorflow');
  const { train } = loadFashionMnist();
  const data = take(train, batch * steps);
  const e = await createEngine({ backend: 'tensorflow', logger: silentLogger, graphStep: true });
  const g = benchModel(model)(0);
  const b = tf.backend() as any;
  const orig = b.runSavedModel.bind(b);
  let inRun = 0, n = 0;
  b.runSavedModel = (...a: any[]) => { const t0 = performance.now(); try { return orig(...a); } finally { inRun += performance.now() - t0; n++; } };
  for (let r = 0; r < 3; r++) {
    inRun = 0; n = 0;
    const c0 = process.cpuUsage();
    const t0 = performance.now();
    await e.fit(g, data, { epochs: 1, batchSize: batch });
    const wall = performance.now() - t0;
    const c = process.cpuUsage(c0);
    console.log(`wall ${(wall / steps).toFixed(2)} ms/step, cpu ${((c.user + c.system) / 1000 / steps).toFixed(2)}, in session run ${(inRun / n).toFixed(2)} ms (${n} runs)`);
  }
}
main();
