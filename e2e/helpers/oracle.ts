/**
 * The Python oracle (TensorFlow 2.21, ONNX 1.23, ONNX Runtime 1.30) installed by tools/setup-oracle.
 * Real-runtime tests call small Python scripts through it and exchange data as files/JSON.
 */
import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import * as path from 'node:path';

export const REPO_ROOT = path.resolve(__dirname, '../..');

/** Path of the oracle's python: $COLLABOPT_ORACLE_PYTHON, else <repo>/.venv-oracle/bin/python. */
export function oraclePython(): string {
  const p =
    process.env['COLLABOPT_ORACLE_PYTHON'] ?? path.join(REPO_ROOT, '.venv-oracle', 'bin', 'python');
  if (!existsSync(p)) {
    throw new Error(
      `Python oracle not found at ${p}: run tools/setup-oracle (or set COLLABOPT_ORACLE_PYTHON)`,
    );
  }
  return p;
}

/** Debian's python3, which sees python3-pyarmnn (the pyenv python3 on PATH does not). */
export const DEBIAN_PYTHON = '/usr/bin/python3';

export interface PythonRun {
  stdout: string;
  stderr: string;
}

/** Run a Python script with arguments; throws with stderr on a non-zero exit. */
export function runPython(
  script: string,
  args: string[] = [],
  options: { python?: string; input?: string; timeoutMs?: number } = {},
): PythonRun {
  const python = options.python ?? oraclePython();
  const r = spawnSync(python, [script, ...args], {
    input: options.input,
    encoding: 'utf8',
    timeout: options.timeoutMs ?? 240_000,
    maxBuffer: 256 * 1024 * 1024,
    env: { ...process.env, TF_CPP_MIN_LOG_LEVEL: '3', CUDA_VISIBLE_DEVICES: '' },
  });
  if (r.error) throw r.error;
  if (r.status !== 0) throw new Error(`${path.basename(script)} exited ${r.status}:\n${r.stderr}`);
  return { stdout: r.stdout, stderr: r.stderr };
}

/** Whether Arm NN's Python binding is available (Debian python3-pyarmnn). */
export function hasArmnn(): boolean {
  try {
    execFileSync(DEBIAN_PYTHON, ['-c', 'import pyarmnn'], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
}
