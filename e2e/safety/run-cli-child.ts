/**
 * Runs the built `collabopt` CLI in a child process with its resource usage measured; a child that
 * does not finish within `timeoutMs` is killed and reported as hung instead of hanging the test.
 */
import { execFileSync, spawn } from 'node:child_process';
import { existsSync, promises as fs } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';

export const CLI_BIN = path.join(__dirname, '../../packages/cli/dist/bin.js');
const WRAPPER = path.join(__dirname, 'measured-cli.cjs');

export interface CliRun {
  code: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
  hung: boolean;
  wallMs: number;
  /** From the child's process.resourceUsage() at exit (undefined when it was killed). */
  maxRssBytes?: number;
  cpuMs?: number;
}

export interface RunOptions {
  cwd?: string;
  timeoutMs?: number;
  /** Called with the child once it printed `text` on stdout or stderr (e.g. to interrupt it). */
  onOutput?: { text: string; then: (child: ReturnType<typeof spawn>) => void };
}

/** Build the CLI and everything it depends on (incremental: quick when up to date), so the child runs current code. */
export function buildCli(): void {
  execFileSync('npx', ['tsc', '-b', 'packages/cli/tsconfig.json'], {
    cwd: path.join(__dirname, '../..'),
    stdio: 'inherit',
  });
  if (!existsSync(CLI_BIN)) throw new Error(`${CLI_BIN} is missing after the build`);
}

export async function runCli(args: readonly string[], options: RunOptions = {}): Promise<CliRun> {
  const usageFile = path.join(
    await fs.mkdtemp(path.join(os.tmpdir(), 'collabopt-usage-')),
    'usage.json',
  );
  const started = Date.now();
  const child = spawn(process.execPath, [WRAPPER, ...args], {
    cwd: options.cwd ?? process.cwd(),
    env: { ...process.env, COLLABOPT_USAGE_FILE: usageFile },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let stdout = '';
  let stderr = '';
  let triggered = false;
  const watch = (): void => {
    if (options.onOutput && !triggered && (stdout + stderr).includes(options.onOutput.text)) {
      triggered = true;
      options.onOutput.then(child);
    }
  };
  child.stdout!.on('data', (d: Buffer) => {
    stdout += d.toString();
    watch();
  });
  child.stderr!.on('data', (d: Buffer) => {
    stderr += d.toString();
    watch();
  });
  let hung = false;
  const timer = setTimeout(() => {
    hung = true;
    child.kill('SIGKILL');
  }, options.timeoutMs ?? 60000);
  const [code, signal] = await new Promise<[number | null, NodeJS.Signals | null]>((resolve) =>
    child.on('close', (c, s) => resolve([c, s])),
  );
  clearTimeout(timer);
  const wallMs = Date.now() - started;
  const usage = await fs
    .readFile(usageFile, 'utf8')
    .then((t) => JSON.parse(t) as { maxRssBytes: number; cpuMs: number })
    .catch(() => undefined);
  await fs.rm(path.dirname(usageFile), { recursive: true, force: true });
  return { code, signal, stdout, stderr, hung, wallMs, ...(usage ?? {}) };
}

/** Every file under `dir` (recursively, symlinks not followed) with its bytes, for before/after checks. */
export async function snapshot(dir: string): Promise<Map<string, string>> {
  const out = new Map<string, string>();
  async function walk(d: string): Promise<void> {
    for (const e of await fs.readdir(d, { withFileTypes: true })) {
      const p = path.join(d, e.name);
      if (e.isDirectory()) await walk(p);
      else if (e.isSymbolicLink()) out.set(p, `-> ${await fs.readlink(p)}`);
      else if (e.isFile()) out.set(p, (await fs.readFile(p)).toString('base64'));
      else out.set(p, '(special file)');
    }
  }
  await walk(dir);
  return out;
}
