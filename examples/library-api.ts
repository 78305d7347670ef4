/**
 * collabopt as a library: register the passes and formats you installed, train a small model,
 * run a text pipeline with data, write an int8 TFLite file and convert it to ONNX, then read the
 * file back. Run: `npx tsx examples/library-api.ts [outDir]` (after `npm run build`).
 */
import { mkdtempSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  GraphBuilder,
  PassManager,
  createConsoleLogger,
  createRng,
  readModel,
  writeModel,
} from '@collabopt/core';
import {
  createEngine,
  createDataset,
  representativeSubset,
  take,
  type Dataset,
} from '@collabopt/engine';
import { registerOnnxFormat } from '@collabopt/format-onnx';
import { registerTfliteFormat } from '@collabopt/format-tflite';
import { registerClusteringPasses } from '@collabopt/clustering';
import { registerPruningPasses } from '@collabopt/pruning';
import { registerQuantizationPasses } from '@collabopt/quantization';

// Each plugin adds itself to the default registries (or to the registry you pass).
registerTfliteFormat();
registerOnnxFormat();
registerPruningPasses();
registerClusteringPasses();
registerQuantizationPasses();

/** 8×8 single-channel images: class = the quadrant holding a bright blob. */
function quadrants(count: number, seed: number): Dataset {
  const rng = createRng(seed);
  const x = new Float32Array(count * 64);
  const y = new Int32Array(count);
  for (let i = 0; i < count; i++) {
    const c = rng.int(4);
    y[i] = c;
    const [r0, c0] = [c < 2 ? 0 : 4, c % 2 === 0 ? 0 : 4];
    for (let p = 0; p < 64; p++) x[i * 64 + p] = 0.2 * rng.next();
    for (let r = 0; r < 3; r++)
      for (let q = 0; q < 3; q++)
        x[i * 64 + (r0 + r + rng.int(2)) * 8 + c0 + q + rng.int(2)] += 0.8;
  }
  return createDataset(x, y, [8, 8, 1], 'quadrants');
}

async function main(): Promise<void> {
  const out = process.argv[2] ?? mkdtempSync(join(tmpdir(), 'collabopt-example-'));
  const b = new GraphBuilder('quadrant_cnn', { seed: 7 });
  let h = b.layer('Conv2D', 'conv', b.input('input', [-1, 8, 8, 1]), {
    filters: 8,
    kernelSize: [3, 3],
    activation: 'relu',
  });
  h = b.layer('Flatten', 'flatten', h);
  const model = b.build(b.layer('Dense', 'logits', h, { units: 4 }));

  const engine = await createEngine();
  const train = quadrants(1024, 1);
  const test = quadrants(256, 2);
  await engine.fit(model, train, { epochs: 3, batchSize: 32, learningRate: 3e-3 });
  const baseline = (await engine.evaluate(model, test)).accuracy;

  const result = await new PassManager({
    logger: createConsoleLogger('warn'),
    engine,
    data: { train: take(train, 512), test, calibration: representativeSubset(train, 128, 0) },
  })
    .addPipeline(
      'prune(sparsity=0.5, epochs=2, frequency=8) | cluster(clusters=8, preserveSparsity=true, epochs=1) | ptq(mode=int8)',
    )
    .run(model);

  const tflite = join(out, 'quadrants.tflite');
  await writeModel(result.graph, tflite);
  const onnx = join(out, 'quadrants.onnx');
  await writeModel(await readModel(tflite), onnx);

  const back = await readModel(tflite);
  const kernel = back.node('conv').weight('kernel').tensor.data;
  const distinct = new Set(Array.from(kernel as ArrayLike<number>)).size;
  const optimized = (await engine.evaluate(result.graph, test)).accuracy;
  console.log(
    `test accuracy: float ${baseline.toFixed(3)}, pruned + clustered + int8 (IR) ${optimized.toFixed(3)}`,
  );
  console.log(
    `wrote ${tflite} (${statSync(tflite).size} bytes) and ${onnx} (${statSync(onnx).size} bytes)`,
  );
  console.log(`conv kernel read back from the TFLite file: ${distinct} distinct values`);
}

main().catch((e: unknown) => {
  console.error(e);
  process.exit(1);
});
