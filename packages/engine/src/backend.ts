import { InvalidArgumentError, type Logger } from '@collabopt/core';
import { tf } from './tf';
import { registerTfjsNodeFixes } from './tfjs-node-fixes';
import { registerTfjsNodeBatchNorm } from './tfjs-node-batchnorm';
import { registerTfjsNodeKernels } from './tfjs-node-kernels';
import { registerTfjsNodeOneDnnKernels } from './tfjs-node-onednn';
import { registerWasmGradientKernels } from './wasm-kernels';
import {
  describeWasmThreads,
  installWasmBackend,
  resolveWasmThreads,
  wasmThreadsStatus,
  type WasmThreadsRequest,
} from './wasm-threads';

/** Backends the engine can run on: TensorFlow's C library (tfjs-node), WebAssembly (SIMD) or plain JS. */
export type BackendName = 'tensorflow' | 'wasm' | 'cpu';

export const BACKEND_NAMES: readonly BackendName[] = ['tensorflow', 'wasm', 'cpu'];

export interface BackendChoice {
  readonly backend: BackendName;
  /** Why this backend was chosen (reported once per process); for wasm also its thread count. */
  readonly reason: string;
  /** Threads of the wasm backend's pool (wasm only). */
  readonly wasmThreads?: number;
}

export interface BackendOptions {
  /**
   * Threads for the wasm backend (else COLLABOPT_WASM_THREADS, else the available cores, at most
   * 8; 0 or 1 = single-threaded). Applies when the wasm backend is first initialised in the
   * process; later requests get the existing backend.
   */
  wasmThreads?: number | 'auto';
}

/**
 * TensorFlow's C++ runtime behind tfjs-node logs at INFO level to stderr, e.g. four lines for every
 * SavedModel the training-step graph loads: third-party noise in our output. TF_CPP_MIN_LOG_LEVEL=1
 * hides INFO and keeps its warnings and errors; it is read from the process environment, so it is
 * set before the binding loads, unless the user chose a level. (TF 2.21 still prints its one
 * oneDNN line at load, before its logging reads the level.)
 */
function quietTensorFlowInfoLogs(): void {
  process.env.TF_CPP_MIN_LOG_LEVEL ??= '1';
}

const loaded = new Map<BackendName, Promise<string | undefined>>();

/** Load and register one backend; resolves to undefined on success or to why it is unavailable. */
function loadBackend(
  name: BackendName,
  wasmThreads: () => WasmThreadsRequest,
): Promise<string | undefined> {
  let p = loaded.get(name);
  if (p === undefined) {
    p = (async () => {
      try {
        switch (name) {
          case 'tensorflow':
            quietTensorFlowInfoLogs();
            // Optional peer dependency: present only when installed (tools/setup-tfjs-node here).
            // eslint-disable-next-line @typescript-eslint/no-require-imports -- loaded on demand (optional backends)
            require('@tensorflow/tfjs-node');
            registerTfjsNodeFixes();
            registerTfjsNodeKernels();
            registerTfjsNodeOneDnnKernels();
            registerTfjsNodeBatchNorm();
            break;
          case 'wasm':
            // eslint-disable-next-line @typescript-eslint/no-require-imports -- loaded on demand (optional backends)
            require('@tensorflow/tfjs-backend-wasm');
            installWasmBackend(wasmThreads());
            registerWasmGradientKernels();
            break;
          case 'cpu':
            // eslint-disable-next-line @typescript-eslint/no-require-imports -- loaded on demand (optional backends)
            require('@tensorflow/tfjs-backend-cpu');
            break;
        }
        if (tf.findBackendFactory(name) === null) return `backend "${name}" did not register`;
        return undefined;
      } catch (e) {
        return e instanceof Error ? e.message.split('\n')[0] : String(e);
      }
    })();
    loaded.set(name, p);
  }
  return p;
}

/** Make `name` the active TF.js backend (TF.js has one active backend per process). */
export async function activateBackend(
  name: BackendName,
  options: BackendOptions = {},
): Promise<void> {
  if (tf.getBackend() === name) return;
  // Resolved (and validated) up front so a bad COLLABOPT_WASM_THREADS is an error, not "unavailable".
  const wasmThreads = name === 'wasm' ? resolveWasmThreads(options.wasmThreads) : undefined;
  const problem = await loadBackend(name, () => wasmThreads ?? resolveWasmThreads());
  if (problem !== undefined)
    throw new InvalidArgumentError(`TF.js backend "${name}" is not available: ${problem}`);
  const ok = await tf.setBackend(name);
  if (!ok) throw new InvalidArgumentError(`TF.js backend "${name}" failed to initialise`);
}

function parseBackend(value: string, source: string): BackendName {
  if ((BACKEND_NAMES as readonly string[]).includes(value)) return value as BackendName;
  if (value === 'node' || value === 'tfjs-node') return 'tensorflow';
  throw new InvalidArgumentError(
    `${source} must be one of ${BACKEND_NAMES.join(', ')}, got "${value}"`,
  );
}

/**
 * Choose a backend: the explicit request (API option, else COLLABOPT_BACKEND), else tfjs-node
 * when it is installed and loads, else wasm (with our gradient kernels), else cpu.
 */
export async function chooseBackend(
  requested?: BackendName | string,
  options: BackendOptions = {},
): Promise<BackendChoice> {
  const fromEnv = process.env['COLLABOPT_BACKEND'];
  if (requested !== undefined || (fromEnv !== undefined && fromEnv !== '')) {
    const source = requested !== undefined ? 'the backend option' : 'COLLABOPT_BACKEND';
    const name = parseBackend(String(requested ?? fromEnv), source);
    await activateBackend(name, options);
    return withWasmThreads({ backend: name, reason: `requested by ${source}` });
  }
  const skipped: string[] = [];
  for (const name of BACKEND_NAMES) {
    try {
      await activateBackend(name, options);
      const reason =
        skipped.length === 0 ? 'fastest available' : `fastest available (${skipped.join('; ')})`;
      return withWasmThreads({ backend: name, reason });
    } catch (e) {
      skipped.push(`${name}: ${e instanceof Error ? e.message : String(e)}`);
    }
  }
  throw new InvalidArgumentError(`no TF.js backend could be loaded: ${skipped.join('; ')}`);
}

/** Add the wasm backend's thread count to a wasm choice. */
function withWasmThreads(choice: BackendChoice): BackendChoice {
  const status = choice.backend === 'wasm' ? wasmThreadsStatus() : undefined;
  if (status === undefined) return choice;
  return {
    backend: choice.backend,
    reason: `${choice.reason}; ${describeWasmThreads(status)}`,
    wasmThreads: status.threads,
  };
}

const reported = new Set<string>();

/** The one-line summary of a choice: `backend wasm, 2 threads`. */
export function describeBackend(choice: BackendChoice): string {
  const t = choice.wasmThreads;
  return `backend ${choice.backend}${t === undefined ? '' : `, ${t} thread${t === 1 ? '' : 's'}`}`;
}

/** Log the backend choice once per process and backend: one short line, why at debug level. */
export function reportBackendOnce(choice: BackendChoice, logger: Logger): void {
  const key = `${choice.backend}|${choice.reason}`;
  if (reported.has(key)) return;
  reported.add(key);
  logger.info(describeBackend(choice));
  logger.debug(`${describeBackend(choice)}: ${choice.reason}`);
}
