/**
 * Engine benchmark: training and inference throughput of the benchmark CNN and the reference CNN
 * (DESIGN.md) on Fashion-MNIST for every available TF.js backend, against TensorFlow 2.21 Keras on
 * the same models, batch and data in the same run (Python oracle venv), printed as ratios; then
 * the reference CNN's test accuracy after the DESIGN.md recipe (3 epochs, Adam 1e-3, batch 128,
 * full 60k/10k) on each backend next to Keras's.
 *
 *   npm run bench:engine                       # everything
 *   npm run bench:engine -- --no-accuracy      # throughput only (a few minutes)
 *   npm run bench:engine -- --backends=wasm --steps=20 --epochs=1 --reps=1
 *   npm run bench:engine -- --model=mobilenet-v1,mobilenet-v2 --batch=64,128 --no-accuracy
 *
 * `--model` picks from bench, reference, mobilenet-v1, mobilenet-v2 (default: the first two);
 * `--wasm-threads=N` runs wasm with N threads (the same as COLLABOPT_WASM_THREADS=N; without
 * either, the engine picks the count from the cores idle at start-up, which is 1 right after
 * another job loaded the machine: the table states the count every wasm row ran with);
 * `--batch` takes a list; after the table, a per-kernel profile (top 10) of each backend's
 * training step per model (`--no-profile` skips it).
 *
 * Method: every side (Keras, each backend) traces, runs `--warmup` (10) timed warm-up steps, then
 * at least `--steps` (20) measured steps and at least `--min-seconds` (2) of training (a shorter
 * run is redone longer; later repetitions start from the step count earlier ones needed). Repetitions (`--reps`, 3) interleave
 * Keras and the backends model by model, Keras first in even and last in odd repetitions. The
 * table prints the ratio of medians, the median of the per-repetition paired ratios, and Keras's
 * min–max (Keras on this machine kind is bimodal: a wide spread shows it switched modes). Keras
 * runs `model.fit` with compile/fit defaults (no XLA on CPU, tf.function, one step per call),
 * printed from the model itself.
 */
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import * as path from 'node:path';
import type { Graph } from '@collabopt/core';
import {
  FASHION_MNIST_DIR,
  benchmarkCnn,
  loadFashionMnist,
  referenceCnn,
  take,
  type BackendName,
  type Dataset,
  type Engine,
  WASM_THREADS_ENV,
  wasmThreadsStatus,
} from '@collabopt/engine';
import { arg } from '../args';
import { benchEngine } from './bench-setup';
import { describeCpu } from './cpu-info';
import { formatProfile, profileTraining } from './kernel-profile';
import { mobilenetV1, mobilenetV2 } from './mobilenet-models';
import { pairedRatios } from './paired-ratios';
import { median } from '../stats';

const REPO = path.resolve(__dirname, '../../..');

const BATCHES = (arg('batch') ?? '64').split(',').map(Number);
/** The fewest measured training steps; more when a repetition would otherwise last < MIN_SECONDS. */
const STEPS = Number(arg('steps') ?? 20);
const MIN_SECONDS = Number(arg('min-seconds') ?? 2);
/** Timed warm-up steps after the first (tracing) call, on every side. */
const WARMUP = Number(arg('warmup') ?? 10);
const INFER = Number(arg('infer') ?? 4096);
const EPOCHS = Number(arg('epochs') ?? 3);
const ACCURACY = arg('no-accuracy') === undefined;
const REPS = Number(arg('reps') ?? 3);
const WANTED = (arg('backends') ?? 'tensorflow,wasm,cpu').split(',') as BackendName[];

const PROFILE = arg('no-profile') === undefined;

/** --wasm-threads forces the wasm thread count as COLLABOPT_WASM_THREADS does (set before start-up). */
const FORCED_WASM_THREADS = arg('wasm-threads');
if (FORCED_WASM_THREADS !== undefined) process.env[WASM_THREADS_ENV] = FORCED_WASM_THREADS;

/** How a backend ran, for the table: wasm with its thread count (fixed when the backend starts). */
function backendLabel(backend: BackendName): string {
  if (backend !== 'wasm') return backend;
  return `wasm ${wasmThreadsStatus()?.threads ?? 1}t`;
}

const ALL_MODELS: { key: string; label: string; build: (seed: number) => Graph }[] = [
  { key: 'bench', label: 'CNN conv32-pool-conv64-pool-dense10', build: benchmarkCnn },
  { key: 'reference', label: 'reference CNN (DESIGN.md)', build: referenceCnn },
  {
    key: 'mobilenet-v1',
    label: 'MobileNet-v1 style (depthwise-separable, BN, ReLU6)',
    build: mobilenetV1,
  },
  {
    key: 'mobilenet-v2',
    label: 'MobileNet-v2 style (inverted residual blocks)',
    build: mobilenetV2,
  },
];
const MODEL_KEYS = (arg('model') ?? 'bench,reference').split(',');
const MODELS = MODEL_KEYS.map((k) => {
  const m = ALL_MODELS.find((x) => x.key === k);
  if (m === undefined)
    throw new Error(`--model=${k}: expected one of ${ALL_MODELS.map((x) => x.key).join(', ')}`);
  return m;
});
/** Every model at every batch size, keyed "model/batch". */
const RUNS = MODELS.flatMap((m) =>
  BATCHES.map((batch) => ({ ...m, batch, id: `${m.key}/${batch}` })),
);

interface Throughput {
  trainPerSec?: number;
  inferPerSec: number;
  /** Measured training steps (enough for MIN_SECONDS in this repetition). */
  trainSteps?: number;
}

/** How Keras's model.fit ran (keras_bench.py's fit_settings). */
interface KerasFitSettings {
  jit_compile: boolean;
  run_eagerly: boolean;
  steps_per_execution: number;
  onednn: string;
}

function oraclePython(): string | undefined {
  const p =
    process.env['COLLABOPT_ORACLE_PYTHON'] ?? path.join(REPO, '.venv-oracle', 'bin', 'python');
  return existsSync(p) ? p : undefined;
}

function runKeras(config: object): Record<string, unknown> | undefined {
  const python = oraclePython();
  if (python === undefined) {
    console.log('TensorFlow/Keras: oracle venv missing (run tools/setup-oracle); ratios skipped');
    return undefined;
  }
  const r = spawnSync(python, [path.join(__dirname, 'keras_bench.py'), JSON.stringify(config)], {
    encoding: 'utf8',
    maxBuffer: 64 * 1024 * 1024,
    env: { ...process.env, TF_CPP_MIN_LOG_LEVEL: '3', CUDA_VISIBLE_DEVICES: '' },
  });
  if (r.status !== 0) {
    console.log(`Keras run failed:\n${r.stderr}`);
    return undefined;
  }
  return JSON.parse(r.stdout.trim().split('\n').pop()!) as Record<string, unknown>;
}

async function availableBackends(): Promise<{ backend: BackendName; engine: Engine }[]> {
  const out: { backend: BackendName; engine: Engine }[] = [];
  for (const backend of WANTED) {
    try {
      out.push({ backend, engine: await benchEngine(backend) });
    } catch (e) {
      const why =
        backend === 'tensorflow'
          ? 'tfjs-node not installed/loadable (tools/setup-tfjs-node builds it offline)'
          : String(e);
      console.log(`backend ${backend}: unavailable — ${why}`);
    }
  }
  return out;
}

/**
 * Training samples/s of the engine's fit on `graph`: a first call (compiles), a timed warm-up of
 * WARMUP steps, then at least `minSteps` steps and enough for MIN_SECONDS (a run that came out
 * shorter — fit's fixed cost misleads the warm-up estimate, the load changes — is redone longer).
 */
async function measureTraining(
  engine: Engine,
  graph: Graph,
  train: Dataset,
  batch: number,
  minSteps: number,
): Promise<{ perSec: number; steps: number }> {
  const most = Math.floor(train.count / batch);
  const timedFit = async (n: number): Promise<number> => {
    const t0 = performance.now();
    await engine.fit(graph, take(train, batch * n), { epochs: 1, batchSize: batch });
    return (performance.now() - t0) / 1000;
  };
  await timedFit(3);
  const warmSeconds = await timedFit(WARMUP);
  let n = Math.min(most, Math.max(minSteps, Math.ceil(MIN_SECONDS / (warmSeconds / WARMUP))));
  let seconds = await timedFit(n);
  while (seconds < MIN_SECONDS && n < most) {
    n = Math.min(most, Math.ceil(n * 1.1 * (MIN_SECONDS / seconds)));
    seconds = await timedFit(n);
  }
  return { perSec: (batch * n) / seconds, steps: n };
}

const fmt = (v: number | undefined, d = 0): string => (v === undefined ? '—' : v.toFixed(d));

async function main(): Promise<void> {
  if (!existsSync(FASHION_MNIST_DIR))
    throw new Error(
      `Fashion-MNIST not found in ${FASHION_MNIST_DIR} (apt-get install dataset-fashion-mnist)`,
    );
  const { train, test } = loadFashionMnist();
  const backends = await availableBackends();
  console.log(
    `engine benchmark: Fashion-MNIST, batch ${BATCHES.join(' and ')}, Adam 1e-3, ${STEPS} training steps, ${INFER} inference samples`,
  );
  console.log(`cpu: ${describeCpu()}`);
  console.log(`backends: ${backends.map((b) => b.backend).join(', ')}`);
  for (const { backend, engine } of backends) console.log(`  ${backend}: ${engine.backendReason}`);
  if (backends.some((b) => b.backend === 'wasm') && !process.env[WASM_THREADS_ENV]?.trim())
    console.log(
      `  wasm threads were chosen from the cores idle at start-up (${wasmThreadsStatus()?.detail ?? '?'}); for a reproducible run set ${WASM_THREADS_ENV} or --wasm-threads`,
    );

  // Absolute speed drifts with the load of this shared machine: measure Keras and every backend
  // model by model, back to back, REPS times, and report medians.
  const kerasRuns = new Map<string, Throughput[]>();
  const runs = new Map<string, Throughput[]>();
  const push = (map: Map<string, Throughput[]>, key: string, t: Throughput): void =>
    void map.set(key, [...(map.get(key) ?? []), t]);
  let kerasFit: KerasFitSettings | undefined;
  for (let rep = 0; rep < REPS; rep++) {
    for (const m of RUNS) {
      const batch = m.batch;
      const measureKeras = (): void => {
        // Later repetitions start from the step count the earlier ones needed.
        const steps = Math.max(STEPS, ...(kerasRuns.get(m.id) ?? []).map((k) => k.trainSteps ?? 0));
        const k = runKeras({
          dataDir: FASHION_MNIST_DIR,
          throughput: [
            {
              model: m.key,
              batchSize: batch,
              trainSamples: batch * steps,
              minSeconds: MIN_SECONDS,
              warmupSteps: WARMUP,
              inferSamples: INFER,
              inferBatchSize: 256,
            },
          ],
        })?.[`${m.key}:throughput`] as (Throughput & { fit: KerasFitSettings }) | undefined;
        if (k) {
          push(kerasRuns, m.id, k);
          kerasFit = k.fit;
          console.log(
            `  measured keras ${m.id}: train ${fmt(k.trainPerSec)} samples/s (${fmt(k.trainSteps)} steps), infer ${fmt(k.inferPerSec)} samples/s`,
          );
        }
      };
      // Keras first in even repetitions, last in odd ones: a drift of the machine's load within a
      // repetition then favours neither side.
      if (rep % 2 === 0) measureKeras();
      for (const { backend, engine } of backends) {
        const g = m.build(0);
        let trainPerSec: number | undefined;
        // The cpu backend trains at ~1 sample/s: measure only its inference.
        let trainSteps: number | undefined;
        if (backend !== 'cpu') {
          const measured = await measureTraining(
            engine,
            g,
            train,
            batch,
            Math.max(
              STEPS,
              ...(runs.get(`${backend}:${m.id}`) ?? []).map((r) => r.trainSteps ?? 0),
            ),
          );
          trainPerSec = measured.perSec;
          trainSteps = measured.steps;
        }
        const inferN = backend === 'cpu' ? Math.min(INFER, 512) : INFER;
        await engine.predict(
          g,
          [{ dtype: 'float32', shape: [256, 28, 28, 1], data: test.x.subarray(0, 256 * 784) }],
          { batchSize: 256 },
        );
        const t1 = performance.now();
        await engine.predict(
          g,
          [
            {
              dtype: 'float32',
              shape: [inferN, 28, 28, 1],
              data: test.x.subarray(0, inferN * 784),
            },
          ],
          { batchSize: 256 },
        );
        const inferPerSec = inferN / ((performance.now() - t1) / 1000);
        push(runs, `${backend}:${m.id}`, {
          ...(trainPerSec !== undefined ? { trainPerSec, trainSteps } : {}),
          inferPerSec,
        });
        console.log(
          `  measured ${backendLabel(backend)} ${m.id}: train ${fmt(trainPerSec)} samples/s (${fmt(trainSteps)} steps), infer ${fmt(inferPerSec)} samples/s`,
        );
      }
      if (rep % 2 === 1) measureKeras();
    }
  }
  const medianOf = (xs: (number | undefined)[]): number | undefined => {
    const v = xs.filter((x): x is number => x !== undefined);
    return v.length === 0 ? undefined : median(v);
  };
  const keras = ACCURACY
    ? runKeras({
        dataDir: FASHION_MNIST_DIR,
        throughput: [],
        accuracy: { epochs: EPOCHS, batchSize: 128, seed: 0 },
      })
    : undefined;

  console.log(
    `\nthroughput (samples/s, median of ${REPS} interleaved repetitions, each ≥ ${MIN_SECONDS} s of training after ${WARMUP} warm-up steps)`,
  );
  console.log(
    '×TF = median TF.js / median Keras; paired = median over repetitions of (TF.js rep i / Keras rep i);',
  );
  console.log(
    'Keras min–max: its spread over repetitions (a wide one means Keras switched speed modes during the run)',
  );
  if (kerasFit)
    console.log(
      `Keras runs model.fit as a user does (compile/fit defaults): jit_compile=${kerasFit.jit_compile}, run_eagerly=${kerasFit.run_eagerly}, steps_per_execution=${kerasFit.steps_per_execution}, oneDNN ${kerasFit.onednn}`,
    );
  console.log(`cpu: ${describeCpu()}`);
  console.log(
    'model/batch        backend      train   ×TF paired  min–max / per-rep ratios      infer   ×TF',
  );
  for (const m of RUNS) {
    const ks = kerasRuns.get(m.id) ?? [];
    const kTrain = ks.map((k) => k.trainPerSec);
    const kInfer = medianOf(ks.map((k) => k.inferPerSec));
    if (ks.length > 0) {
      const v = kTrain.filter((x): x is number => x !== undefined);
      const spread = v.length > 0 ? `${fmt(Math.min(...v))}–${fmt(Math.max(...v))}` : '—';
      console.log(
        `${m.id.padEnd(18)} ${'keras'.padEnd(10)} ${fmt(medianOf(kTrain)).padStart(7)}  1.00   1.00  ${spread.padEnd(28)} ${fmt(kInfer).padStart(7)}  1.00`,
      );
    }
    for (const { backend } of backends) {
      const rs = runs.get(`${backend}:${m.id}`) ?? [];
      const train = pairedRatios(
        rs.map((r) => r.trainPerSec),
        kTrain,
      );
      const infer = medianOf(rs.map((r) => r.inferPerSec));
      const perRep = train ? train.perRound.map((x) => x.toFixed(2)).join(' ') : '';
      console.log(
        `${m.id.padEnd(18)} ${backendLabel(backend).padEnd(10)} ${fmt(medianOf(rs.map((r) => r.trainPerSec))).padStart(7)} ${fmt(train?.ofMedians, 2).padStart(5)}  ${fmt(train?.pairedMedian, 2).padStart(5)}  ${perRep.padEnd(28)} ${fmt(infer).padStart(7)} ${fmt(infer !== undefined && kInfer ? infer / kInfer : undefined, 2).padStart(5)}`,
      );
    }
  }

  if (PROFILE) {
    for (const m of MODELS) {
      for (const { backend, engine } of backends) {
        if (backend === 'cpu') continue;
        const p = await profileTraining(engine, m.build(0), train, BATCHES[0]!, 5);
        console.log(
          `\nper-kernel profile, ${backendLabel(backend)}, ${m.key}, batch ${BATCHES[0]} (5 steps, top 10):\n${formatProfile(p, 10)}`,
        );
      }
    }
  }

  const accuracy = new Map<string, number>();
  if (ACCURACY) {
    const ka = keras?.['reference:accuracy'] as { accuracy: number; seconds: number } | undefined;
    if (ka) accuracy.set('keras', ka.accuracy);
    console.log(`\nreference CNN accuracy after ${EPOCHS} epochs (Adam 1e-3, batch 128, 60k/10k):`);
    if (ka)
      console.log(`  keras       ${(ka.accuracy * 100).toFixed(2)}%  (${ka.seconds.toFixed(0)} s)`);
    for (const { backend, engine } of backends) {
      if (backend === 'cpu') continue;
      const g = referenceCnn(0);
      const t0 = performance.now();
      await engine.fit(g, train, { epochs: EPOCHS, batchSize: 128, seed: 0 });
      const seconds = (performance.now() - t0) / 1000;
      const r = await engine.evaluate(g, test);
      accuracy.set(backend, r.accuracy);
      const delta = ka
        ? ` (${((r.accuracy - ka.accuracy) * 100).toFixed(2)} points vs Keras${Math.abs(r.accuracy - ka.accuracy) <= 0.01 ? ', within 1 point' : ', NOT within 1 point'})`
        : '';
      console.log(
        `  ${backend.padEnd(10)}  ${(r.accuracy * 100).toFixed(2)}%  (${seconds.toFixed(0)} s)${delta}`,
      );
    }
  }

  // One line of key figures: the paired ratio (the ratio of medians is in the table).
  const key: string[] = [];
  for (const m of RUNS) {
    for (const { backend } of backends) {
      const r = pairedRatios(
        (runs.get(`${backend}:${m.id}`) ?? []).map((t) => t.trainPerSec),
        (kerasRuns.get(m.id) ?? []).map((t) => t.trainPerSec),
      );
      if (r)
        key.push(`${backendLabel(backend)} ${m.id} train ${r.pairedMedian.toFixed(2)}×TF paired`);
    }
  }
  for (const [b, a] of accuracy) key.push(`${b} acc ${(a * 100).toFixed(2)}%`);
  console.log(`\nkey figures: ${key.join(', ')}`);
}

main().catch((e: unknown) => {
  console.error(e);
  process.exit(1);
});
