/**
 * Deployment-tree benchmark (issue #14's "done when"): `collabopt tree` on a Keras-trained
 * MobileNet-v1-style model (depthwise-separable blocks, BatchNorm, ReLU6; e2e/cli/mobilenet_model.py)
 * with the full Fashion-MNIST (60k train, 10k test) on wasm (`--backend=tensorflow` for tfjs-node), against the
 * time TensorFlow 2.21 Keras needs to train the same model for the same number of epochs as the
 * tree's fine-tuning passes together (same batch), measured in the same run, before and after the
 * tree (Keras's speed is bimodal on these machines; both figures are printed, the ratio uses their
 * median with the tree in between).
 *
 *   npm run bench:tree                          # default tree (8 fine-tuning epochs)
 *   npm run bench:tree -- --prune-epochs=1 --keras-reps=3
 *   npm run bench:tree -- --samples=2000 --keras-reps=1   # a smoke run
 *
 * The tree's wall time includes everything a user waits for: loading, legalization, k-means,
 * evaluation of every branch and leaf, PTQ calibration and writing the files.
 */
import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { gunzipSync } from 'node:zlib';
import { parsePipeline } from '@collabopt/core';
import {
  TREE_BATCH_SIZE,
  treePlan,
  type TreePlanOptions,
  type TreeReport,
} from '@collabopt/preserve';
import { arg } from '../args';
import { describeCpu } from '../engine/cpu-info';
import { median } from '../stats';

const REPO = path.resolve(__dirname, '../../..');
const PYTHON = path.join(REPO, '.venv-oracle', 'bin', 'python');
const FASHION = '/usr/share/datasets/fashion-mnist';
const KERAS_REPS = Number(arg('keras-reps') ?? 2);
/** The engine backend of the tree (the bar is wasm, the default without tfjs-node). */
const BACKEND = arg('backend') ?? 'wasm';
/** Training samples (a smoke run can take fewer than the full 60,000). */
const SAMPLES = Number(arg('samples') ?? 60000);

/** An MNIST idx file (gunzipped) cut to its first `n` items: dims[0] rewritten, data truncated. */
function firstItems(idx: Buffer, n: number): Buffer {
  const rank = idx[3]!;
  const count = idx.readUInt32BE(4);
  if (n >= count) return idx;
  let itemBytes = 1;
  for (let i = 1; i < rank; i++) itemBytes *= idx.readUInt32BE(4 + 4 * i);
  const header = 4 + 4 * rank;
  const out = Buffer.from(idx.subarray(0, header + n * itemBytes));
  out.writeUInt32BE(n, 4);
  return out;
}

const options: { -readonly [K in keyof TreePlanOptions]?: TreePlanOptions[K] } = {};
const treeFlags: string[] = [];
for (const [flag, key] of [
  ['prune-epochs', 'pruneEpochs'],
  ['cluster-epochs', 'clusterEpochs'],
  ['qat-epochs', 'qatEpochs'],
] as const) {
  const v = arg(flag);
  if (v !== undefined) {
    options[key] = Number(v);
    treeFlags.push(`--${flag}`, v);
  }
}

/** Fine-tuning epochs of every branch and leaf of the plan (each training pass's `epochs`). */
function fineTuningEpochs(plan: ReturnType<typeof treePlan>): number {
  let total = 0;
  for (const step of [...plan.branches, ...plan.leaves].flatMap((x) =>
    x.pipeline === undefined ? [] : parsePipeline(x.pipeline),
  )) {
    const epochs = step.options['epochs'];
    if (typeof epochs === 'number') total += epochs;
  }
  return total;
}

function run(cmd: string, args: string[], env: NodeJS.ProcessEnv = process.env): string {
  const r = spawnSync(cmd, args, { encoding: 'utf8', env, maxBuffer: 1 << 26 });
  if (r.status !== 0)
    throw new Error(
      `${path.basename(cmd)} ${args.join(' ')} failed (${r.status}):\n${r.stderr}${r.stdout}`,
    );
  return `${r.stdout}${r.stderr}`;
}

function kerasSeconds(modelJson: string, data: string, epochs: number): number {
  const out = run(PYTHON, [
    path.join(__dirname, 'keras_epochs.py'),
    modelJson,
    data,
    String(epochs),
    String(TREE_BATCH_SIZE),
  ]);
  const line = out.split('\n').find((l) => l.startsWith('{"fit_seconds"'));
  if (line === undefined) throw new Error(`keras_epochs.py printed no timing:\n${out}`);
  return (JSON.parse(line) as { fit_seconds: number }).fit_seconds;
}

/**
 * Where the tree's time went, from its report's per-phase seconds: each pass kind summed over the
 * branches and leaves that ran it, evaluation, writing, and what is left of the wall time
 * (loading, legalization, the report).
 */
function phaseTable(report: TreeReport, wallSeconds: number): string {
  const sums = new Map<string, { seconds: number; runs: number }>();
  const add = (key: string, seconds: number): void => {
    const e = sums.get(key) ?? { seconds: 0, runs: 0 };
    sums.set(key, { seconds: e.seconds + seconds, runs: e.runs + 1 });
  };
  for (const r of [...report.branches, ...report.leaves]) {
    if (r.phases === undefined) continue;
    for (const p of r.phases.passes) add(`pass ${p.pass}`, p.seconds);
    add('evaluate (test set)', r.phases.evaluate);
    if (r.phases.write !== undefined) add('write files', r.phases.write);
  }
  const accounted = [...sums.values()].reduce((s, e) => s + e.seconds, 0);
  add('rest (load, legalize, baseline evaluation, report)', wallSeconds - accounted);
  const rows = [...sums].map(
    ([k, e]) =>
      `| ${k} | ${e.runs} | ${e.seconds.toFixed(1)} s | ${((100 * e.seconds) / wallSeconds).toFixed(1)}% |`,
  );
  return ['| phase | runs | seconds | share |', '|---|---|---|---|', ...rows].join('\n');
}

function main(): void {
  const epochs = fineTuningEpochs(treePlan(options));
  const dir = mkdtempSync(path.join(tmpdir(), 'collabopt-bench-tree-'));
  try {
    const data = path.join(dir, 'data');
    const model = path.join(dir, 'model');
    mkdirSync(data);
    mkdirSync(model);
    for (const f of [
      'train-images-idx3-ubyte',
      'train-labels-idx1-ubyte',
      't10k-images-idx3-ubyte',
      't10k-labels-idx1-ubyte',
    ])
      writeFileSync(
        path.join(data, f),
        firstItems(
          gunzipSync(readFileSync(path.join(FASHION, `${f}.gz`))),
          f.startsWith('train') ? SAMPLES : 10000,
        ),
      );
    console.log(`cpu: ${describeCpu()}`);
    console.log('training the baseline with Keras (2 epochs, not timed) …');
    run(PYTHON, [path.join(REPO, 'e2e/cli/mobilenet_model.py'), data, model, '2']);
    const modelJson = path.join(model, 'model.json');

    const keras: number[] = [];
    const half = Math.max(1, Math.floor(KERAS_REPS / 2));
    for (let i = 0; i < half; i++) keras.push(kerasSeconds(modelJson, data, epochs));
    console.log(
      `keras ${epochs} epochs, batch ${TREE_BATCH_SIZE}: ${keras.map((s) => s.toFixed(1)).join(', ')} s`,
    );

    const env = { ...process.env, COLLABOPT_BACKEND: BACKEND };
    const start = process.hrtime.bigint();
    const log = run(
      process.execPath,
      [
        path.join(REPO, 'packages/cli/dist/bin.js'),
        'tree',
        modelJson,
        '--data',
        data,
        '-o',
        path.join(dir, 'out'),
        '--seed',
        '0',
        ...treeFlags,
      ],
      env,
    );
    const treeSeconds = Number(process.hrtime.bigint() - start) / 1e9;
    const backend = /backend \w+(, \d+ threads?)?/.exec(log)?.[0] ?? 'backend not printed';
    console.log(`collabopt tree: ${treeSeconds.toFixed(1)} s (${backend})`);

    for (let i = half; i < Math.max(KERAS_REPS, half + 1); i++)
      keras.push(kerasSeconds(modelJson, data, epochs));
    const k = median(keras);
    console.log(
      `keras ${epochs} epochs (all runs): ${keras.map((s) => s.toFixed(1)).join(', ')} s, median ${k.toFixed(1)} s`,
    );
    console.log(`cpu after: ${describeCpu()}`);
    console.log('');
    console.log(
      '| model | data | fine-tuning epochs | Keras fit (median) | collabopt tree | tree / Keras |',
    );
    console.log('|---|---|---|---|---|---|');
    console.log(
      `| MobileNet-v1 style | Fashion-MNIST ${SAMPLES} train | ${epochs} | ${k.toFixed(1)} s | ${treeSeconds.toFixed(1)} s (${backend}) | **${(treeSeconds / k).toFixed(2)}×** |`,
    );
    const report = JSON.parse(
      readFileSync(path.join(dir, 'out', 'tree-report.json'), 'utf8'),
    ) as TreeReport;
    console.log(
      `\nwhere the tree's ${treeSeconds.toFixed(1)} s went:\n${phaseTable(report, treeSeconds)}`,
    );
    console.log(
      "\nthe tree's table:\n" +
        log
          .split('\n')
          .filter((l) => l.startsWith('|') || /leaf|branch|→|baseline/.test(l))
          .join('\n'),
    );
  } finally {
    if (arg('keep') === undefined) rmSync(dir, { recursive: true, force: true });
    else console.log(`kept ${dir}`);
  }
}

main();
