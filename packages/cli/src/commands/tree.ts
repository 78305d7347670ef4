import { deflateSync } from 'node:zlib';
import { promises as fs } from 'node:fs';
import * as path from 'node:path';
import {
  PassManager,
  createConsoleLogger,
  createStreamProgress,
  defaultPassRegistry,
  formatTable,
  channelLayout,
  readModel,
  writeModel,
  type Graph,
} from '@collabopt/core';
import { getEngine, referenceCnn, type Engine } from '@collabopt/engine';
import { simulateQuantized } from '@collabopt/quantization';
import { contextData, loadDataSets, type PipelineData } from '../data-sets';
import { print, type CliIo } from '../io';
import { loadTfliteRuntime, tfliteAccuracy } from '../tflite-runtime';
import { DEFAULT_TREE_OPTIONS, treePlan, type TreePlanOptions } from '../tree-plan';

export interface TreeOptions extends Partial<TreePlanOptions> {
  data: string;
  seed: number;
  epochs: number;
  output: string;
  /** Test samples run through the TFLite runtime per leaf (default: the whole test set). */
  runtimeSamples?: number;
  /** Run every exported file in the TFLite WASM runtime when it is installed (default true). */
  tfliteRuntime?: boolean;
}

export interface LeafResult {
  readonly leaf: string;
  readonly label: string;
  readonly status: 'ok' | 'unavailable';
  readonly reason?: string;
  readonly file?: string;
  readonly simulatedAccuracy?: number;
  readonly runtimeAccuracy?: number;
  readonly sparsity?: number;
  readonly maxUniquePerKernel?: number;
  readonly maxUniquePerChannel?: number;
  readonly fileBytes?: number;
  readonly deflatedBytes?: number;
}

/**
 * Kernel figures of a quantized graph as the exported file stores them: the fraction of zero
 * kernel weights, and the distinct int8 codes q = round(w / scale) per kernel (whole tensor) and
 * per output channel (what per-channel kernels and a compressor see).
 */
export function kernelFigures(graph: Graph): {
  sparsity: number;
  maxUnique: number;
  maxUniquePerChannel: number;
} {
  let params = 0;
  let zeros = 0;
  let maxUnique = 0;
  let maxPerChannel = 0;
  for (const { slot, weight } of graph.weights()) {
    if (!/kernel$/i.test(slot) || !(weight.tensor.data instanceof Float32Array)) continue;
    const data = weight.tensor.data;
    params += data.length;
    const q = weight.annotations.quant;
    const layout = q?.channelAxes ? channelLayout(weight.tensor.shape, q.channelAxes) : undefined;
    const codes = new Set<number>();
    const perChannel = new Map<number, Set<number>>();
    for (let i = 0; i < data.length; i++) {
      if (data[i] === 0) zeros++;
      const c = layout ? layout.channelOf(i) : 0;
      const scale = q && q.dtype !== 'float16' ? q.scale[c]! : 0;
      const code = scale > 0 ? Math.round(data[i]! / scale) : data[i]!;
      codes.add(code);
      let set = perChannel.get(c);
      if (!set) perChannel.set(c, (set = new Set()));
      set.add(code);
    }
    maxUnique = Math.max(maxUnique, codes.size);
    for (const set of perChannel.values()) maxPerChannel = Math.max(maxPerChannel, set.size);
  }
  return { sparsity: params ? zeros / params : 0, maxUnique, maxUniquePerChannel: maxPerChannel };
}

async function runPipeline(
  graph: Graph,
  pipeline: string,
  data: PipelineData,
  engine: Engine,
  options: TreeOptions,
  io: CliIo,
): Promise<{ graph: Graph; warnings: readonly string[] }> {
  const pm = new PassManager({
    logger: createConsoleLogger('warn', io.stderr),
    progress: createStreamProgress(io.stderr),
    seed: options.seed,
    signal: io.signal,
    data: contextData(data),
    engine,
  }).addPipeline(pipeline);
  const r = await pm.run(graph.clone());
  return { graph: r.graph, warnings: r.warnings };
}

/**
 * `collabopt tree`: build every branch of the deployment tree from a baseline (the given model,
 * or the reference CNN trained on the data set), quantize every leaf, export it as int8 TFLite,
 * and report accuracy (engine int8 simulation and, when available, the TFLite runtime on the
 * exported file), kernel sparsity, unique values per kernel, and file size raw and deflated.
 */
export async function treeCommand(
  input: string | undefined,
  options: TreeOptions,
  io: CliIo,
): Promise<LeafResult[]> {
  const plan = treePlan({ ...DEFAULT_TREE_OPTIONS, ...stripUndefined(options) });
  const data = loadDataSets(options.data, options.seed);
  if (!data.train || !data.test)
    throw new Error(
      'the tree needs a data set with training and test data (--data mnist or fashion-mnist)',
    );
  const engine = await getEngine();
  await fs.mkdir(options.output, { recursive: true });

  let baseline: Graph;
  if (input) {
    baseline = await readModel(input);
  } else {
    baseline = referenceCnn(options.seed);
    print(
      io,
      `training the reference CNN on ${data.name} (${data.train.count} samples, ${options.epochs} epochs, backend ${engine.backend})`,
    );
    await engine.fit(baseline, data.train, {
      epochs: options.epochs,
      batchSize: 128,
      optimizer: 'adam',
      learningRate: 1e-3,
      seed: options.seed,
      progress: createStreamProgress(io.stderr),
      signal: io.signal,
    });
  }
  const floatAccuracy = (await engine.evaluate(baseline, data.test, { signal: io.signal }))
    .accuracy;
  print(io, `baseline float accuracy: ${(floatAccuracy * 100).toFixed(2)}%`);

  const graphs = new Map<string, Graph>([['baseline', baseline]]);
  for (const b of plan.branches) {
    if (!b.from || !b.pipeline) continue;
    print(io, `branch ${b.label}: ${b.pipeline}`);
    const r = await runPipeline(graphs.get(b.from)!, b.pipeline, data, engine, options, io);
    graphs.set(b.id, r.graph);
    const acc = (await engine.evaluate(r.graph, data.test, { signal: io.signal })).accuracy;
    const k = kernelFigures(r.graph);
    print(
      io,
      `  float accuracy ${(acc * 100).toFixed(2)}%, kernel sparsity ${(k.sparsity * 100).toFixed(1)}%, max distinct values per kernel ${k.maxUnique}`,
    );
  }

  const runtime = options.tfliteRuntime === false ? undefined : loadTfliteRuntime();
  const results: LeafResult[] = [];
  for (const leaf of plan.leaves) {
    const missing = leaf.requires.filter((p) => !defaultPassRegistry.has(p));
    if (missing.length > 0) {
      results.push({
        leaf: leaf.id,
        label: leaf.label,
        status: 'unavailable',
        reason: `pass ${missing.join(', ')} is not installed`,
      });
      continue;
    }
    print(io, `leaf ${leaf.label}: ${leaf.pipeline}`);
    const r = await runPipeline(graphs.get(leaf.from)!, leaf.pipeline, data, engine, options, io);
    const file = path.join(options.output, `${leaf.id}.tflite`);
    await writeModel(r.graph, file);
    const bytes = new Uint8Array(await fs.readFile(file));
    const sim = await simulateQuantized(engine, r.graph, data.test);
    const k = kernelFigures(r.graph);
    results.push({
      leaf: leaf.id,
      label: leaf.label,
      status: 'ok',
      file,
      simulatedAccuracy: sim.accuracy,
      ...(runtime
        ? {
            runtimeAccuracy: await tfliteAccuracy(
              runtime,
              bytes,
              data.test,
              options.runtimeSamples,
              io.signal,
            ),
          }
        : {}),
      sparsity: k.sparsity,
      maxUniquePerKernel: k.maxUnique,
      maxUniquePerChannel: k.maxUniquePerChannel,
      fileBytes: bytes.length,
      deflatedBytes: deflateSync(bytes).length,
    });
  }

  const pct = (x?: number): string => (x === undefined ? '' : `${(x * 100).toFixed(2)}%`);
  const rows = results.map((r) =>
    r.status === 'ok'
      ? [
          r.label,
          pct(r.simulatedAccuracy),
          pct(r.runtimeAccuracy),
          pct(r.sparsity),
          String(r.maxUniquePerKernel),
          String(r.maxUniquePerChannel),
          String(r.fileBytes),
          String(r.deflatedBytes),
        ]
      : [r.label, `unavailable: ${r.reason}`, '', '', '', '', '', ''],
  );
  print(
    io,
    formatTable(
      [
        'leaf (int8 TFLite)',
        'int8 sim acc',
        'TFLite runtime acc',
        'kernel sparsity',
        'int8 codes/kernel',
        'int8 codes/channel',
        'bytes',
        'deflated',
      ],
      rows,
    ),
  );
  if (!runtime)
    print(io, '(TFLite runtime not installed: accuracy from the engine int8 simulation only)');
  await fs.writeFile(
    path.join(options.output, 'tree-report.json'),
    JSON.stringify({ floatAccuracy, leaves: results }, null, 2),
  );
  print(io, `files and tree-report.json in ${options.output}`);
  return results;
}

function stripUndefined<T extends object>(o: T): Partial<T> {
  return Object.fromEntries(Object.entries(o).filter(([, v]) => v !== undefined)) as Partial<T>;
}
