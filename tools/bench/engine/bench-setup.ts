/**
 * The set-up every engine micro-benchmark and training A/B shares: the models by command-line
 * name, a silent engine on an activated backend, Fashion-MNIST training examples, one timed
 * training epoch, and the wasm micro-benchmarks' arguments and header line.
 */
import { silentLogger, type Graph } from '@collabopt/core';
import {
  activateBackend,
  benchmarkCnn,
  createEngine,
  loadFashionMnist,
  referenceCnn,
  take,
  wasmThreadsStatus,
  type BackendName,
  type Dataset,
  type Engine,
} from '@collabopt/engine';
import { loadAverage } from './cpu-info';
import { mobilenetV1, mobilenetV2 } from './mobilenet-models';

export type ModelBuilder = (seed: number) => Graph;

/** The models the engine benchmarks train, by their command-line name. */
export const BENCH_MODELS: Readonly<Record<string, ModelBuilder>> = {
  bench: benchmarkCnn,
  reference: referenceCnn,
  'mobilenet-v1': mobilenetV1,
  'mobilenet-v2': mobilenetV2,
};

/** The two small CNNs (DESIGN.md) by the name the A/B scripts print. */
export const SMALL_CNNS: readonly (readonly [string, ModelBuilder])[] = [
  ['benchmark CNN', benchmarkCnn],
  ['reference CNN', referenceCnn],
];

/** The model named `name` on the command line, or an error listing the names. */
export function benchModel(name: string): ModelBuilder {
  const build = BENCH_MODELS[name];
  if (build === undefined)
    throw new Error(`model ${name}: one of ${Object.keys(BENCH_MODELS).join(', ')}`);
  return build;
}

/** Activates `backend` and creates an engine on it that logs nothing. */
export async function benchEngine(backend: BackendName): Promise<Engine> {
  await activateBackend(backend);
  return createEngine({ backend, logger: silentLogger });
}

/** The first `count` Fashion-MNIST training examples. */
export function trainingExamples(count: number): Dataset {
  return take(loadFashionMnist().train, count);
}

/** The wasm backend's thread count (1 when it is single-threaded or not active). */
export function wasmThreads(): number {
  return wasmThreadsStatus()?.threads ?? 1;
}

/**
 * One training epoch of `graph` over `data` in `steps` steps of `batch`, timed: wall ms per step
 * and process CPU ms per step (all threads: on a loaded machine wall time mostly measures waiting
 * for a core, while CPU time measures the work).
 */
export async function timedEpoch(
  engine: Engine,
  graph: Graph,
  data: Dataset,
  batch: number,
  steps: number,
): Promise<{ wallMs: number; cpuMs: number }> {
  const c0 = process.cpuUsage();
  const t0 = performance.now();
  await engine.fit(graph, data, { epochs: 1, batchSize: batch });
  const wallMs = (performance.now() - t0) / steps;
  const c = process.cpuUsage(c0);
  return { wallMs, cpuMs: (c.user + c.system) / 1000 / steps };
}

/**
 * A wasm micro-benchmark's start: batch and rounds from the command line (`[batch] [rounds]`,
 * batch 128 by default), the wasm backend activated, and the header line printed.
 */
export async function wasmMicroSetup(
  defaultRounds: number,
): Promise<{ batch: number; rounds: number }> {
  const batch = Number(process.argv[2] ?? 128);
  const rounds = Number(process.argv[3] ?? defaultRounds);
  await activateBackend('wasm');
  console.log(
    `wasm ${wasmThreads()} threads, batch ${batch}, ${rounds} rounds; load average ${loadAverage()} (shared machine)`,
  );
  return { batch, rounds };
}

/** A convolution layer a micro-benchmark times: input shape, HWIO filter, stride and padding. */
export interface ConvBenchLayer {
  readonly name: string;
  readonly x: number[];
  readonly f: [number, number, number, number];
  readonly s: number;
  readonly pad: 'same' | 'valid';
}
