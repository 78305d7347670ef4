/**
 * Run .tflite bytes in the three real runtimes of validators.md: TensorFlow 2.21's
 * tf.lite.Interpreter (oracle venv), the TFLite WASM runtime of @tensorflow/tfjs-tflite (child
 * Node process with the shim in tools/tflite-runtime), and Arm NN's TfLiteParser on CpuRef
 * (Debian python3). Every call runs a batch of samples through one loaded model.
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { DEBIAN_PYTHON, REPO_ROOT, runPython } from '../helpers/oracle';

export interface RuntimeTensor {
  data: number[];
  shape: number[];
  dtype: string;
}

export interface SampleInput {
  data: ArrayLike<number>;
  shape: number[];
  dtype?: 'float32' | 'int8';
}

const SCRIPT = path.join(__dirname, 'run_tflite.py');
const TMP = mkdtempSync(path.join(os.tmpdir(), 'collabopt-tflite-e2e-'));
let counter = 0;

export interface Job {
  model: Uint8Array;
  samples: SampleInput[][];
  /** TF interpreter only: min/max of every float32 tensor over the samples. */
  ranges?: boolean;
}

export interface JobResult {
  samples: RuntimeTensor[][];
  ranges?: Record<string, [number, number]>;
  /** Set when the runtime refused the model (the other jobs still ran). */
  error?: string;
}

/**
 * Write the jobs' models and the request file, hand the request's path to `run` (a runtime process
 * that reads them), and delete them afterwards: a request of 200 photographs is ~270 MB of JSON,
 * and a CI run makes dozens.
 */
function withRequest<T>(jobs: Job[], runtime: string, run: (requestPath: string) => T): T {
  const id = counter++;
  const written: string[] = [];
  try {
    const list = jobs.map((job, j) => {
      const modelPath = path.join(TMP, `model-${id}-${j}.tflite`);
      written.push(modelPath);
      writeFileSync(modelPath, job.model);
      return {
        model: modelPath,
        ranges: job.ranges === true,
        samples: job.samples.map((s) => s.map((x) => ({ ...x, data: Array.from(x.data) }))),
      };
    });
    const reqPath = path.join(TMP, `request-${id}.json`);
    written.push(reqPath);
    writeFileSync(reqPath, JSON.stringify({ runtime, jobs: list }));
    return run(reqPath);
  } finally {
    for (const f of written) rmSync(f, { force: true });
  }
}

function parse(stdout: string): JobResult[] {
  return (JSON.parse(stdout.slice(stdout.indexOf('{'))) as { results: JobResult[] }).results;
}

/** Write bytes to a temp file and return its path. */
export function tempModel(bytes: Uint8Array, name: string): string {
  const p = path.join(TMP, name);
  writeFileSync(p, bytes);
  return p;
}

/** TensorFlow 2.21 tf.lite.Interpreter (oracle venv), one process for all jobs. */
export function runTfInterpreter(jobs: Job[]): JobResult[] {
  return withRequest(jobs, 'tflite', (req) => parse(runPython(SCRIPT, [req]).stdout));
}

/** Arm NN TfLiteParser + CpuRef (Debian python3). */
export function runArmnn(jobs: Job[]): JobResult[] {
  return withRequest(jobs, 'armnn', (req) =>
    parse(runPython(SCRIPT, [req], { python: DEBIAN_PYTHON }).stdout),
  );
}

/** The TFLite WASM runtime of @tensorflow/tfjs-tflite in a child Node process (shim in tools/tflite-runtime). */
export function runTfjsTflite(jobs: Job[]): JobResult[] {
  const script = path.join(REPO_ROOT, 'tools', 'tflite-runtime', 'index.js');
  return withRequest(jobs, 'tfjs', (req) => {
    const r = spawnSync(process.execPath, [script, req], {
      encoding: 'utf8',
      timeout: 240_000,
      maxBuffer: 256 << 20,
    });
    if (r.status !== 0) throw new Error(`tfjs-tflite failed (${r.status}):\n${r.stderr}`);
    return parse(r.stdout);
  });
}

/** Outputs of a job, failing with the runtime's message if it refused the model. */
export function outputsOf(result: JobResult | undefined, what: string): RuntimeTensor[][] {
  if (!result) throw new Error(`${what}: no result`);
  if (result.error) throw new Error(`${what}: ${result.error}`);
  return result.samples;
}

/** Largest |a − b| / max(1, |b|) (float comparison tolerant to tiny magnitudes). */
export function maxRelativeError(a: ArrayLike<number>, b: ArrayLike<number>): number {
  if (a.length !== b.length) return Infinity;
  let m = 0;
  for (let i = 0; i < a.length; i++)
    m = Math.max(m, Math.abs(a[i]! - b[i]!) / Math.max(1, Math.abs(b[i]!)));
  return m;
}

export function maxAbsError(a: ArrayLike<number>, b: ArrayLike<number>): number {
  if (a.length !== b.length) return Infinity;
  let m = 0;
  for (let i = 0; i < a.length; i++) m = Math.max(m, Math.abs(a[i]! - b[i]!));
  return m;
}

/** The temp folder this test process writes models and requests to. */
export function tempDir(): string {
  return TMP;
}
