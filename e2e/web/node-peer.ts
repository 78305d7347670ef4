/** The web app's peer in the e2e comparisons: the built Node CLI, on the wasm backend like the page. */
import { execFileSync } from 'node:child_process';
import { REPO_ROOT } from '../helpers/oracle';

/** Run `collabopt <args>` with the built CLI (openWebApp builds it), its output shown. */
export function runNodePeer(args: readonly string[]): void {
  execFileSync('node', ['packages/cli/dist/bin.js', ...args], {
    cwd: REPO_ROOT,
    stdio: 'inherit',
    env: { ...process.env, COLLABOPT_BACKEND: 'wasm' },
  });
}

/** `collabopt optimize <model> -o <output> -p <pipeline> --data <data> --seed <seed>`. */
export function optimizeWithNodePeer(
  model: string,
  output: string,
  pipeline: string,
  data: string,
  seed: number,
): void {
  runNodePeer([
    'optimize',
    model,
    '-o',
    output,
    '-p',
    pipeline,
    '--data',
    data,
    '--seed',
    String(seed),
  ]);
}
