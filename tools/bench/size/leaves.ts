/**
 * Size benchmark of the quantized leaves (issue #17, items 1 and 2), on DESIGN.md's reference CNN
 * (or, with --model=mobilenet, the Keras-trained MobileNet-v1-style model of bench:size; default
 * --train=20000 --epochs=4 there) with Fashion-MNIST: the deployment tree's pipelines (`treePlan`) plus int4 leaves
 * (`weightBits=4`). Per leaf: accuracy of the exported .tflite in TensorFlow 2.21's interpreter,
 * raw bytes, deflated bytes (zlib, the seed's "Compression" measure), int codes per kernel tensor
 * and per output channel (max over kernels). Ratios compare each CQAT/PCQAT leaf with the PTQ
 * leaf of the same branch, and int4 leaves with their int8 counterparts of the same run.
 *
 *   npx tsx --tsconfig tools/bench/size/tsconfig.json tools/bench/size/leaves.ts \
 *     [--train=60000 --test=10000 --epochs=3 --prune-epochs=2 --cluster-epochs=1 --qat-epochs=1 --seed=0]
 *     [--leaves=clustered-ptq,clustered-cqat] [--cqat-options=";entropyWeight=0"]
 *
 * Every pipeline gets the trained float baseline as its teacher, as in the deployment tree, so
 * `--cqat-options="distill=0.5"` distils CQAT/PCQAT from the float model.
 *
 * A smaller --train/--test keeps the run short on a loaded machine (the table says what it used).
 * `--leaves` runs only the named leaves (and the branches they start from); `--cqat-options`
 * appends options to the cqat/pcqat pipelines (e.g. to compare entropyWeight values; an option
 * the pipeline already has, such as `epochs`, is replaced); a set
 * prefixed `cqat:` or `pcqat:` applies to that pass only (`--cqat-options="cqat:entropyWeight=0.3;
 * pcqat:entropyWeight=0.1"` runs each leaf once). A second
 * table shows, per kernel, the entropy of its integer codes (bits per weight, what deflate's
 * Huffman stage pays at best) and the deflated bytes of the kernel alone, so the part of the file
 * that clustering can shrink is visible.
 */
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { deflateSync } from 'node:zlib';
import {
  PassManager,
  PassRegistry,
  channelLayout,
  encodeOnGrid,
  formatTable,
  quantRange,
  silentLogger,
  type Graph,
  type Weight,
} from '@collabopt/core';
import { registerAllPlugins } from '@collabopt/cli';
import { registerClusteringPasses } from '@collabopt/clustering';
import { createEngine, loadFashionMnist, referenceCnn, type Dataset } from '@collabopt/engine';
import { writeTflite } from '@collabopt/format-tflite';
import {
  dropStandardError,
  pruneFrequencyFor,
  registerPreservePasses,
  treePlan,
} from '@collabopt/preserve';
import { registerPruningPasses } from '@collabopt/pruning';
import { registerQuantizationPasses } from '@collabopt/quantization';
import { trainKerasMobilenet } from '../../../e2e/helpers/keras-mobilenet';
import { arg } from '../args';
import { legalizedKerasMobilenet } from './mobilenet-baseline';

const REPO = path.resolve(__dirname, '../../..');
const PYTHON = path.join(REPO, '.venv-oracle', 'bin', 'python');
/** `reference` (DESIGN.md's reference CNN, trained here) or `mobilenet` (trained by Keras). */
const MODEL = arg('model', 'reference');
const TRAIN = Number(arg('train', MODEL === 'mobilenet' ? '20000' : '60000'));
const TEST = Number(arg('test', '10000'));
const EPOCHS = Number(arg('epochs', MODEL === 'mobilenet' ? '4' : '3'));
const SEED = Number(arg('seed', '0'));

const ONLY = arg('leaves')?.split(',');
/** Option sets appended to the cqat/pcqat pipelines, `;`-separated, one leaf each ('' = as planned). */
const CQAT_OPTIONS = arg('cqat-options')?.split(';');

function first(d: Dataset, count: number): Dataset {
  if (count >= d.count) return d;
  const per = d.sampleShape.reduce((a, b) => a * b, 1);
  return { ...d, x: d.x.subarray(0, count * per), y: d.y.subarray(0, count), count };
}

/** Most distinct integer codes in one kernel tensor and in one output channel of one kernel. */
function kernelCodes(graph: Graph): { perTensor: number; perChannel: number } {
  let perTensor = 0;
  let perChannel = 0;
  for (const { weight, slot } of graph.weights()) {
    const q = weight.annotations.quant;
    if (slot !== 'kernel' || !q || q.dtype === 'float16') continue;
    const data = weight.tensor.data as Float32Array;
    const shape = weight.tensor.shape;
    const layout = channelLayout(shape, q.channelAxes ?? [shape.length - 1]);
    const all = new Set<number>();
    const per = new Map<number, Set<number>>();
    for (let i = 0; i < data.length; i++) {
      const c = layout.channelOf(i);
      const s = q.scale.length > 1 ? c : 0;
      const code = encodeOnGrid(data[i]!, q.scale[s]!, q.zeroPoint[s] ?? 0, ...quantRange(q));
      all.add(code);
      if (!per.has(c)) per.set(c, new Set());
      per.get(c)!.add(code);
    }
    perTensor = Math.max(perTensor, all.size);
    for (const set of per.values()) perChannel = Math.max(perChannel, set.size);
  }
  return { perTensor, perChannel };
}

/** Integer codes of one quantized kernel (its stored int8/int4 values), or undefined for float. */
function kernelIntCodes(weight: Weight): Int8Array | undefined {
  const q = weight.annotations.quant;
  if (!q || q.dtype === 'float16') return undefined;
  const data = weight.tensor.data as Float32Array;
  const shape = weight.tensor.shape;
  const layout = channelLayout(shape, q.channelAxes ?? [shape.length - 1]);
  return Int8Array.from(data, (v, i) => {
    const s = q.scale.length > 1 ? layout.channelOf(i) : 0;
    return encodeOnGrid(v, q.scale[s]!, q.zeroPoint[s] ?? 0, ...quantRange(q));
  });
}

/** The `range` annotation of every node output, by value name. */
function activationRanges(graph: Graph): Map<string, { min: number; max: number }> {
  const out = new Map<string, { min: number; max: number }>();
  for (const node of graph.topologicalOrder())
    for (const v of node.outputs) {
      const r = v.annotations.range;
      if (r) out.set(v.name, { min: r.min, max: r.max });
    }
  return out;
}

/** Shannon entropy of the values' histogram, bits per value. */
function entropyBits(codes: Int8Array): number {
  const counts = new Map<number, number>();
  for (const c of codes) counts.set(c, (counts.get(c) ?? 0) + 1);
  let h = 0;
  for (const n of counts.values()) h -= (n / codes.length) * Math.log2(n / codes.length);
  return h;
}

/**
 * McNemar's exact two-sided p-value for b discordant pairs one way and c the other: twice the
 * smaller binomial(b + c, ½) tail, at most 1.
 */
function mcNemarExactP(b: number, c: number): number {
  const n = b + c;
  if (n === 0) return 1;
  const k = Math.min(b, c);
  // log C(n, i) − n·log 2, summed from i = 0 to k.
  let logTerm = -n * Math.LN2;
  let tail = Math.exp(logTerm);
  for (let i = 1; i <= k; i++) {
    logTerm += Math.log((n - i + 1) / i);
    tail += Math.exp(logTerm);
  }
  return Math.min(1, 2 * tail);
}

/**
 * The Keras-trained MobileNet-v1-style model of e2e/cli/mobilenet-tree and bench:size (depthwise
 * separable blocks, BatchNorm, ReLU6, softmax head), trained once per --train/--epochs and kept in
 * the temp folder for the next seed (Keras's own seed is fixed; --seed varies collabopt's passes).
 * Legalized for int8 TFLite as the tree does.
 */
async function kerasMobilenet(fashion: ReturnType<typeof loadFashionMnist>): Promise<Graph> {
  const cache = path.join(tmpdir(), `collabopt-leaves-mobilenet-${TRAIN}-${EPOCHS}`);
  const modelDir = path.join(cache, 'model');
  if (!existsSync(path.join(modelDir, 'model.json')))
    trainKerasMobilenet({
      fashion,
      train: TRAIN,
      test: fashion.test.count,
      epochs: EPOCHS,
      dataDir: path.join(cache, 'data'),
      modelDir,
      timeoutMs: 60 * 60_000,
    });
  registerAllPlugins(); // the TF.js Layers reader and the TFLite writer the legalization probes with
  return legalizedKerasMobilenet(modelDir);
}

async function main(): Promise<void> {
  const started = Date.now();
  const engine = await createEngine({ logger: silentLogger });
  const fm = loadFashionMnist();
  const train = first(fm.train, TRAIN);
  const passes = new PassRegistry();
  registerPruningPasses(passes);
  registerClusteringPasses(passes);
  registerQuantizationPasses(passes);
  registerPreservePasses(passes);
  const baseline = MODEL === 'mobilenet' ? await kerasMobilenet(fm) : referenceCnn(SEED);
  // As in the deployment tree, the float baseline is every pipeline's teacher (`distill=…`).
  const context = { passRegistry: passes, logger: silentLogger, engine, seed: SEED };
  const run = async (g: Graph, pipeline: string): Promise<Graph> =>
    (
      await new PassManager({
        ...context,
        teacher: baseline,
        data: { train, calibration: train },
      })
        .addPipeline(pipeline)
        .run(g)
    ).graph;

  if (MODEL === 'reference')
    await engine.fit(baseline, train, {
      epochs: EPOCHS,
      batchSize: 128,
      optimizer: 'adam',
      learningRate: 1e-3,
      seed: SEED,
      label: 'baseline',
    });
  const pruneEpochs = Number(arg('prune-epochs', '2'));
  const pruneFrequency = pruneFrequencyFor(train.count, pruneEpochs);
  const plan = treePlan({
    pruneEpochs,
    clusterEpochs: Number(arg('cluster-epochs', '1')),
    qatEpochs: Number(arg('qat-epochs', '1')),
    ...(pruneFrequency !== undefined ? { pruneFrequency } : {}),
  });
  // The tree's leaves, and each QAT-family leaf and the baseline PTQ again with int4 kernels.
  const withBits = (pipeline: string): string => pipeline.replace(/\)$/, ', weightBits=4)');
  // A one-pass pipeline with extra options; one it already has (e.g. `epochs`) is replaced.
  const withOptions = (pipeline: string, options: string): string => {
    const keys = new Set([...options.matchAll(/(\w+)\s*=/g)].map((m) => m[1]!));
    const [, pass, args] = /^(\w+)\((.*)\)$/.exec(pipeline)!;
    const kept = args!
      .split(',')
      .map((a) => a.trim())
      .filter((a) => a !== '' && !keys.has(a.split('=')[0]!.trim()));
    return `${pass}(${[...kept, options].join(', ')})`;
  };
  // Each cqat/pcqat leaf once per --cqat-options set, as `<leaf>[<options>]`.
  const withCqatOptions = <L extends { id: string; pipeline: string }>(l: L): L[] => {
    const pass = /^(p?cqat)\(/.exec(l.pipeline)?.[1];
    if (CQAT_OPTIONS === undefined || pass === undefined) return [l];
    return CQAT_OPTIONS.flatMap((set) => {
      const only = /^(p?cqat):(.*)$/.exec(set);
      if (only && only[1] !== pass) return [];
      const o = only ? only[2]! : set;
      return [o === '' ? l : { ...l, id: `${l.id}[${o}]`, pipeline: withOptions(l.pipeline, o) }];
    });
  };
  const leaves = plan.leaves
    .flatMap((l) =>
      l.id.endsWith('-ptq') && l.from !== 'baseline'
        ? [l]
        : [l, { ...l, id: `${l.id}-int4`, pipeline: withBits(l.pipeline) }],
    )
    .filter((l) => ONLY === undefined || ONLY.includes(l.id))
    .flatMap(withCqatOptions);
  // Fail on a mistyped option set now, not after minutes of training.
  for (const l of leaves) passes.fromText(l.pipeline);
  // Only the branches the chosen leaves start from (and their ancestors).
  const needed = new Set(leaves.map((l) => l.from));
  for (const b of [...plan.branches].reverse()) if (needed.has(b.id) && b.from) needed.add(b.from);
  const branches = new Map<string, Graph>([['baseline', baseline]]);
  for (const b of plan.branches.slice(1))
    if (needed.has(b.id))
      branches.set(b.id, await run(branches.get(b.from!)!.clone(), b.pipeline!));
  const dir = mkdtempSync(path.join(tmpdir(), 'collabopt-size-'));
  const rows: {
    id: string;
    pipeline: string;
    raw: number;
    zip: number;
    codes: string;
    file: string;
  }[] = [];
  const kernelRows: string[][] = [];
  /** Each leaf's activation ranges by value name (for the range table). */
  const rangesOf = new Map<string, Map<string, { min: number; max: number }>>();
  for (const l of leaves) {
    const g = await run(branches.get(l.from)!.clone(), l.pipeline);
    const bytes = writeTflite(g, { logger: silentLogger });
    const file = path.join(dir, `${l.id}.tflite`);
    writeFileSync(file, bytes);
    const c = kernelCodes(g);
    rangesOf.set(l.id, activationRanges(g));
    const kernels: Int8Array[] = [];
    for (const { node, weight, slot } of g.weights()) {
      const codes = slot === 'kernel' ? kernelIntCodes(weight) : undefined;
      if (!codes) continue;
      kernels.push(codes);
      const h = entropyBits(codes);
      kernelRows.push([
        l.id,
        node.name,
        String(codes.length),
        h.toFixed(3),
        String(Math.ceil((h * codes.length) / 8)),
        String(deflateSync(codes).length),
      ]);
    }
    const all = new Int8Array(kernels.reduce((a, k) => a + k.length, 0));
    kernels.reduce((at, k) => (all.set(k, at), at + k.length), 0);
    kernelRows.push([
      l.id,
      'all kernels',
      String(all.length),
      '',
      '',
      `${deflateSync(all).length} of ${deflateSync(bytes).length} (file)`,
    ]);
    rows.push({
      id: l.id,
      pipeline: l.pipeline,
      raw: bytes.length,
      zip: deflateSync(bytes).length,
      codes: `${c.perTensor} / ${c.perChannel}`,
      file,
    });
  }
  const r = spawnSync(
    PYTHON,
    [
      path.join(__dirname, 'tflite_accuracy.py'),
      '--correct',
      String(TEST),
      ...rows.map((x) => x.file),
    ],
    { encoding: 'utf8', maxBuffer: 1 << 26 },
  );
  // The interpreter has read every file: the temp folder goes (a run wrote ~12 files into it).
  rmSync(dir, { recursive: true, force: true });
  if (r.status !== 0) throw new Error(`tflite_accuracy.py failed: ${r.stderr}`);
  const { accuracy, correct } = JSON.parse(r.stdout.slice(r.stdout.indexOf('{'))) as {
    accuracy: Record<string, number>;
    correct: Record<string, string>;
  };
  const byId = new Map(rows.map((x) => [x.id, x]));
  const ratio = (a: number, b: number | undefined): string =>
    b === undefined ? '' : `${(a / b).toFixed(3)}×`;
  const peer = (variant: string): string | undefined => {
    const id = variant.replace(/\[.*\]$/, '');
    return id.endsWith('-int4')
      ? id.slice(0, -'-int4'.length)
      : /-(cqat|pcqat)$/.test(id)
        ? id.replace(/-(cqat|pcqat)$/, '-ptq')
        : undefined;
  };
  console.log(
    `${MODEL === 'mobilenet' ? 'MobileNet-v1-style (Keras-trained)' : 'reference CNN'}, Fashion-MNIST: ${train.count} training samples, ${TEST} test samples, baseline ${EPOCHS} epochs, backend ${engine.backend}, seed ${SEED}; accuracy in TF 2.21's interpreter`,
  );
  console.log(
    formatTable(
      [
        'leaf',
        'pipeline',
        'accuracy',
        'raw bytes',
        'zip bytes',
        'codes tensor / channel',
        'vs',
        'raw ratio',
        'zip ratio',
      ],
      rows.map((x) => {
        const p = peer(x.id);
        const other = p ? byId.get(p) : undefined;
        return [
          x.id,
          x.pipeline,
          `${(accuracy[x.file]! * 100).toFixed(2)}%`,
          String(x.raw),
          String(x.zip),
          x.codes,
          p ?? '',
          ratio(x.raw, other?.raw),
          ratio(x.zip, other?.zip),
        ];
      }),
    ),
  );
  console.log(
    formatTable(
      ['leaf', 'kernel', 'weights', 'code entropy bits/weight', 'entropy bytes', 'zip bytes'],
      kernelRows,
    ),
  );
  // QAT's EMA ranges start at TFMOT's [-6, 6] (decay 0.999): after a 1-epoch fine-tune they can
  // still be far wider than the calibrated PTQ ranges of the same branch, a coarser int8 grid.
  const rangeRows: string[][] = [];
  for (const x of rows) {
    const p = peer(x.id);
    const mine = rangesOf.get(x.id);
    const theirs = p === undefined ? undefined : rangesOf.get(p);
    if (!mine || !theirs || p!.endsWith('-int4') || x.id.endsWith('-int4')) continue;
    for (const [name, r] of mine) {
      const q = theirs.get(name);
      if (!q) continue;
      rangeRows.push([
        x.id,
        name,
        `[${q.min.toFixed(2)}, ${q.max.toFixed(2)}]`,
        `[${r.min.toFixed(2)}, ${r.max.toFixed(2)}]`,
        `${((r.max - r.min) / (q.max - q.min)).toFixed(2)}×`,
      ]);
    }
  }
  if (rangeRows.length > 0)
    console.log(
      formatTable(['leaf', 'activation', 'PTQ range', 'leaf range', 'width vs PTQ'], rangeRows),
    );
  // Paired comparison with the PTQ leaf on the same test images: b images only the leaf gets
  // right, c only PTQ; the difference (b − c)/n, its standard error and McNemar's exact p-value.
  const pairedRows: string[][] = [];
  for (const x of rows) {
    const p = peer(x.id);
    const other = p === undefined ? undefined : byId.get(p);
    if (!other || !/-(cqat|pcqat)(\[|$)/.test(x.id)) continue;
    const mine = correct[x.file]!;
    const theirs = correct[other.file]!;
    let b = 0;
    let c = 0;
    for (let i = 0; i < mine.length; i++) {
      if (mine[i] === theirs[i]) continue;
      if (mine[i] === '1') b++;
      else c++;
    }
    const n = mine.length;
    const se = dropStandardError({
      baseline: 0,
      metric: 0,
      samples: n,
      changedFraction: (b + c) / n,
    });
    pairedRows.push([
      x.id,
      String(b),
      String(c),
      (((b - c) / n) * 100).toFixed(2),
      se.toFixed(2),
      mcNemarExactP(b, c).toFixed(3),
    ]);
  }
  if (pairedRows.length > 0)
    console.log(
      formatTable(
        [
          'leaf',
          'only leaf right',
          'only PTQ right',
          'points vs PTQ',
          'paired SE (points)',
          'McNemar p (two-sided)',
        ],
        pairedRows,
      ),
    );
  const has = (...ids: string[]): boolean => ids.every((id) => byId.has(id));
  const acc = (id: string): number => (accuracy[byId.get(id)!.file] ?? NaN) * 100;
  const zipRatio = (id: string): string => ratio(byId.get(id)!.zip, byId.get(peer(id)!)!.zip);
  const points = (id: string): string => (acc(id) - acc(peer(id)!)).toFixed(2);
  const figures = [
    ...rows
      .filter((x) => /^(clustered-cqat|pruned-clustered-pcqat)(\[|$)/.test(x.id))
      .filter((x) => byId.has(peer(x.id)!))
      .map((x) => `${x.id}/PTQ zip ${zipRatio(x.id)} (${points(x.id)} points)`),
    ...(has('baseline-qat-int4', 'baseline-qat')
      ? [
          `int4 QAT raw ${ratio(byId.get('baseline-qat-int4')!.raw, byId.get('baseline-qat')!.raw)} of int8 QAT, accuracy ${points('baseline-qat-int4')} points`,
        ]
      : []),
  ];
  console.log(
    `key figures: ${figures.join('; ')}; wall ${((Date.now() - started) / 1000).toFixed(0)} s`,
  );
}

main().catch((e: unknown) => {
  console.error(e);
  process.exit(1);
});
