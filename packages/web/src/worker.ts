/**
 * The pipeline worker: everything collabopt does, on tfjs's wasm backend, off the page's thread.
 * Files live in core's in-memory I/O host; nothing leaves the browser.
 */
import {
  CollaboptError,
  MemoryIoHost,
  PassManager,
  deflatedSize,
  defaultPassRegistry,
  readModel,
  setIoHost,
  type Graph,
  type Logger,
  type ProgressReporter,
} from '@collabopt/core';
import {
  createEngine,
  referenceCnn,
  calibrationSample,
  describePreprocessing,
  splitDataSource,
  take,
  type DataSource,
  type Dataset,
  type Engine,
} from '@collabopt/engine';
import { registerClusteringPasses } from '@collabopt/clustering';
import { registerKerasFormat } from '@collabopt/format-keras';
import { registerOnnxFormat } from '@collabopt/format-onnx';
import { registerTfliteFormat } from '@collabopt/format-tflite';
import {
  DEFAULT_TREE_OPTIONS,
  kernelFigures,
  prepareOutput,
  pruneFrequencyFor,
  registerPreservePasses,
  runTree,
  treePlan,
  type TreeEvent,
} from '@collabopt/preserve';
import {
  StageRecorder,
  formatLeafTable,
  formatPassRecords,
  optimizeReportModel,
  renderHtml,
  treeReportModel,
} from '@collabopt/report';
import { registerPruningPasses } from '@collabopt/pruning';
import { registerQuantizationPasses } from '@collabopt/quantization';
import { setWasmPaths } from '@tensorflow/tfjs-backend-wasm';
import { browserImageFolderSource } from './browser-image-source';
import { unpackDigits, type Digits } from './digits';
import type {
  BenchRequest,
  OutputFile,
  RunRequest,
  TreeRequest,
  WorkerEvent,
  WorkerRequest,
} from './protocol';

declare const navigator: { userAgent: string };
declare const self: {
  location: { href: string };
  postMessage(message: WorkerEvent, transfer?: Transferable[]): void;
  onmessage: ((e: { data: WorkerRequest }) => void) | null;
};

const post = (e: WorkerEvent, transfer: Transferable[] = []): void => self.postMessage(e, transfer);

const logger: Logger = {
  debug: () => {},
  info: (message) => post({ type: 'log', level: 'info', message }),
  warn: (message) => post({ type: 'log', level: 'warn', message }),
  error: (message) => post({ type: 'log', level: 'error', message }),
};

const progress: ProgressReporter = {
  start(label, total, unit) {
    const send = (done: number, info?: Record<string, unknown>): void =>
      post({
        type: 'progress',
        label,
        done,
        ...(total !== undefined ? { total } : {}),
        ...(unit !== undefined ? { unit } : {}),
        ...(info
          ? {
              info: Object.entries(info)
                .map(([k, v]) => `${k} ${typeof v === 'number' ? v.toPrecision(4) : String(v)}`)
                .join('  '),
            }
          : {}),
      });
    send(0);
    return { update: (done, info) => send(done, info), finish: (info) => send(total ?? 1, info) };
  },
};

registerKerasFormat();
registerTfliteFormat();
registerOnnxFormat();
registerPruningPasses(defaultPassRegistry);
registerClusteringPasses(defaultPassRegistry);
registerQuantizationPasses(defaultPassRegistry);
registerPreservePasses(defaultPassRegistry);
setWasmPaths(new URL('./wasm/', self.location.href).href);

let enginePromise: Promise<Engine> | undefined;
const engine = (): Promise<Engine> => (enginePromise ??= createEngine({ backend: 'wasm', logger }));

let digitsPromise: Promise<Digits> | undefined;
function digits(): Promise<Digits> {
  digitsPromise ??= fetch(new URL('./digits.bin', self.location.href).href)
    .then((r) => {
      if (!r.ok) throw new Error(`digits.bin: HTTP ${r.status}`);
      return r.arrayBuffer();
    })
    .then(unpackDigits);
  return digitsPromise;
}

let running: AbortController | undefined;

/** The model's input shape without the batch dimension. */
function sampleShapeOf(graph: Graph): number[] {
  const shape = graph.inputs[0]?.shape ?? [];
  return shape.length >= 4 || (shape.length >= 2 && (shape[0] ?? 0) < 0) ? shape.slice(1) : shape;
}

/** The demo's input: the reference CNN trained for one epoch on the digits (as `collabopt tree`). */
async function trainedReferenceCnn(e: Engine, seed: number, signal: AbortSignal): Promise<Graph> {
  const graph = referenceCnn(seed);
  logger.info('training the reference CNN on the MNIST digits (1 epoch)');
  await e.fit(graph, (await digits()).train, {
    epochs: 1,
    batchSize: 128,
    optimizer: 'adam',
    learningRate: 1e-3,
    seed,
    progress,
    signal,
  });
  return graph;
}

async function run(request: RunRequest): Promise<void> {
  const controller = new AbortController();
  running = controller;
  const io = new MemoryIoHost();
  setIoHost(io);
  for (const f of request.files) io.put(`/input/${f.name}`, new Uint8Array(f.bytes));
  const e = await engine();
  const graph = request.demo
    ? await trainedReferenceCnn(e, request.seed, controller.signal)
    : await readModel(`/input/${request.main}`, { logger });
  const output = `/output/${request.output}`;
  const { format, steps } = await prepareOutput(graph, output, { pipeline: request.pipeline });
  for (const s of steps) logger.info(`legalize: ${s.detail}`);
  const data: Record<string, unknown> = {};
  const d = request.data === 'mnist' ? await digits() : undefined;
  let test: DataSource | Dataset | undefined;
  let dataName: string = request.data;
  let preprocessing = d ? 'x/255' : 'none';
  if (d) {
    data['train'] = d.train;
    data['test'] = d.test;
    data['calibration'] = calibrationSample(d.train, 500, request.seed);
    test = d.test;
  } else if (request.data === 'images') {
    const whole = browserImageFolderSource(request.images ?? [], sampleShapeOf(graph), {
      labels: request.labels ?? 'auto',
      ...(request.preprocess !== undefined ? { preprocess: request.preprocess } : {}),
    });
    // As the CLI does with a user's data set: 80/20 seeded split, leaves measured on the 20%.
    const { train, validation } = splitDataSource(whole, {
      validationFraction: 0.2,
      seed: request.seed,
    });
    data['train'] = train;
    data['validation'] = validation;
    data['test'] = validation;
    data['calibration'] = calibrationSample(train, 500, request.seed);
    dataName = whole.name;
    preprocessing = describePreprocessing(whole.preprocessing!);
    logger.info(
      `data: image folder "${whole.name}", ${whole.count} images, ${whole.labels?.kind === 'class' ? `${whole.labels.numClasses} classes` : 'no labels (fine-tuning distils from the float model)'}; ${preprocessing}`,
    );
    if (whole.labels) test = validation;
  }
  const started = performance.now();
  const stages = new StageRecorder({ label: 'input', graph });
  const pm = new PassManager({
    logger,
    progress,
    seed: request.seed,
    signal: controller.signal,
    data,
    engine: e,
    instruments: [stages],
  }).addPipeline(request.pipeline);
  const before = test ? await e.evaluate(graph, test, { signal: controller.signal }) : undefined;
  const result = await pm.run(graph);
  const lines = [formatPassRecords(result.records)];
  let accuracy: { before: number; after: number } | null = null;
  if (test && before) {
    const after = await e.evaluate(result.graph, test, { signal: controller.signal });
    // labelled test data: the headline metric is top-1 accuracy
    accuracy = { before: before.metric.value, after: after.metric.value };
    lines.push(
      `test accuracy (${d ? 'mnist digits' : `${dataName}, held-out 20%`}, float IR): before ${(accuracy.before * 100).toFixed(2)}%, after ${(accuracy.after * 100).toFixed(2)}%`,
    );
  }
  for (const w of result.warnings) lines.push(`warning: ${w}`);
  const files = await format.write!(result.graph, { fileName: request.output });
  const out = files.map((f) => ({ name: f.path, bytes: f.bytes }));
  const input = request.demo ? 'reference CNN (demo)' : request.main;
  const html = await renderHtml(
    optimizeReportModel({
      input,
      output: request.output,
      pipeline: request.pipeline,
      graph: result.graph,
      stages,
      ...(accuracy ? { accuracyBefore: accuracy.before, accuracyAfter: accuracy.after } : {}),
      kernel: kernelFigures(result.graph),
      rawBytes: files.reduce((n, f) => n + f.bytes.length, 0),
      zippedBytes: files.reduce((n, f) => n + deflatedSize(f.bytes), 0),
      wallTimeMs: performance.now() - started,
      metadata: {
        command: 'web',
        model: input,
        dataSet: dataName,
        preprocessing,
        backend: e.backend,
        seed: request.seed,
        versions: { browser: navigator.userAgent },
        reproduce: `collabopt optimize ${input} -o ${request.output} -p "${request.pipeline}" --data ${dataName}${request.data === 'images' && request.labels === 'none' ? ' --labels none' : ''}${request.data === 'images' && request.preprocess ? ` --preprocess ${request.preprocess}` : ''} --seed ${request.seed} --report report.html`,
        createdAt: new Date().toISOString(),
      },
    }),
  );
  out.push({ name: 'report.html', bytes: new TextEncoder().encode(html) });
  post(
    {
      type: 'done',
      files: out,
      summary: lines.join('\n'),
      report: {
        pipeline: request.pipeline,
        backend: e.backend,
        passes: result.records,
        accuracy,
        files: out.map((f) => ({ path: f.name, bytes: f.bytes.length })),
      },
    },
    out.map((f) => f.bytes.buffer as ArrayBuffer),
  );
}

const percent = (m: { value: number } | null | undefined): string =>
  m ? `${(m.value * 100).toFixed(2)}%` : 'n/a';

function logTreeEvent(e: TreeEvent): void {
  if (e.kind === 'baseline') logger.info(`baseline float accuracy: ${percent(e.metric)}`);
  else if (e.kind === 'branch-start')
    logger.info(`branch ${e.branch.label}: ${e.branch.pipeline ?? ''}`);
  else if (e.kind === 'branch-done' && e.report.status !== 'ok')
    logger.error(`branch FAILED [${e.report.error?.code}]: ${e.report.error?.message}`);
  else if (e.kind === 'leaf-done' && e.report.status !== 'ok')
    logger.error(
      `leaf ${e.report.id} FAILED [${e.report.error?.code}]: ${e.report.error?.message}`,
    );
}

/** `collabopt tree` without a model: the reference CNN trained on the digits, every leaf as int8 TFLite. */
async function tree(request: TreeRequest): Promise<void> {
  const controller = new AbortController();
  running = controller;
  setIoHost(new MemoryIoHost());
  const e = await engine();
  const d = await digits();
  const baseline = await trainedReferenceCnn(e, request.seed, controller.signal);
  const { format } = await prepareOutput(baseline, '/output/leaf.tflite', {
    format: 'tflite',
    pipeline: 'ptq(mode=int8)',
  });
  const frequency = pruneFrequencyFor(d.train.count, DEFAULT_TREE_OPTIONS.pruneEpochs);
  const out: OutputFile[] = [];
  const leafGraphs = new Map<string, Graph>();
  const { report, branches, passRecords } = await runTree(
    baseline,
    treePlan(frequency !== undefined ? { pruneFrequency: frequency } : {}),
    {
      engine: e,
      data: {
        train: d.train,
        test: d.test,
        calibration: calibrationSample(d.train, 500, request.seed),
      },
      seed: request.seed,
      signal: controller.signal,
      logger,
      progress,
      writer: async (graph, leaf) => {
        leafGraphs.set(leaf.id, graph);
        const files = await format.write!(graph, { fileName: `${leaf.id}.tflite` });
        for (const f of files) out.push({ name: f.path, bytes: f.bytes });
        return files;
      },
      onEvent: logTreeEvent,
      dataDescription: { name: 'mnist', preprocess: 'x/255' },
    },
  );
  const model = treeReportModel({
    report,
    branches,
    leaves: leafGraphs,
    passRecords,
    metadata: {
      command: 'web tree',
      dataSet: 'mnist',
      preprocessing: 'x/255',
      backend: e.backend,
      seed: request.seed,
      versions: { browser: navigator.userAgent },
      reproduce: `collabopt tree --data mnist --seed ${request.seed} --epochs 1`,
      createdAt: new Date().toISOString(),
    },
  });
  out.push(
    {
      name: 'tree-report.json',
      bytes: new TextEncoder().encode(`${JSON.stringify(report, null, 2)}\n`),
    },
    { name: 'report.html', bytes: new TextEncoder().encode(await renderHtml(model)) },
  );
  post(
    {
      type: 'done',
      files: out,
      summary: formatLeafTable(model, { leafHeader: 'leaf (int8 TFLite)' }),
      report,
    },
    out.map((f) => f.bytes.buffer as ArrayBuffer),
  );
}

/** Training throughput of the reference CNN on the digits (samples/s per repetition). */
async function bench(request: BenchRequest): Promise<void> {
  const e = await engine();
  const d = await digits();
  const train = take(d.train, request.samples);
  const rates: number[] = [];
  for (let r = 0; r <= request.repetitions; r++) {
    const g = referenceCnn(r);
    const t0 = performance.now();
    await e.fit(g, train, {
      epochs: 1,
      batchSize: 128,
      optimizer: 'adam',
      learningRate: 1e-3,
      seed: r,
    });
    const seconds = (performance.now() - t0) / 1000;
    if (r > 0) rates.push(request.samples / seconds); // repetition 0 warms up the kernels
  }
  post({ type: 'bench', samplesPerSecond: rates, backend: e.backend });
}

function fail(e: unknown): void {
  post({
    type: 'error',
    code: e instanceof CollaboptError ? e.code : 'INTERNAL',
    message: e instanceof Error ? e.message : String(e),
  });
}

self.onmessage = ({ data: request }) => {
  switch (request.type) {
    case 'cancel':
      running?.abort();
      return;
    case 'check':
      try {
        defaultPassRegistry.fromText(request.pipeline);
        post({ type: 'checked', pipeline: request.pipeline });
      } catch (e) {
        post({
          type: 'checked',
          pipeline: request.pipeline,
          error: e instanceof Error ? e.message : String(e),
        });
      }
      return;
    case 'run':
      run(request).catch(fail);
      return;
    case 'tree':
      tree(request).catch(fail);
      return;
    case 'bench':
      bench(request).catch(fail);
      return;
  }
};

engine()
  .then((e) =>
    post({
      type: 'ready',
      backend: `${e.backend} (${e.backendReason})`,
      passes: defaultPassRegistry
        .list()
        .map((p) => ({ name: p.name, description: p.description, options: p.options })),
    }),
  )
  .catch(fail);
